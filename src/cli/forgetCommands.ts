import { exportForgetSet, weightUnlearningStatus, type WeightUnlearningView } from '../core';
import { intOption, parse, required } from './args';
import type { Command } from './commands';
import { openWorkspace } from './openWorkspace';
import { EXIT_OK } from './output';

/** `erase export-forget --request ID --out DIR [--retain N]`: the forget and retain sets of a waiting request, for weight-based unlearning. */
export const exportForgetCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, { data: { type: 'string' }, request: { type: 'string' }, out: { type: 'string' }, retain: { type: 'string' } });
  const out = mk(!!values.json);
  const requestId = required(values.request, 'request', '--request REQ-1 (see erase request list)');
  const outDir = required(values.out, 'out', '--out unlearning/REQ-1');
  const ws = await openWorkspace(values.data, out);
  const r = await exportForgetSet(ws, { requestId, outDir, retain: intOption(values.retain, 'retain', 0, 10_000_000) });
  out.result(
    r,
    [
      `forget set: ${r.forgetCount} example(s), ${r.forgetLines} line(s) → ${r.forgetFile}`,
      `retain set: ${r.retainCount} example(s) from cluster(s) ${r.clusters.join(', ')}, ${r.retainLines} line(s) → ${r.retainFile}`,
      `audit entry #${r.auditSeq}: a fine-tuned model is pending weight unlearning for request ${r.requestId}`,
      `next: unlearn the fine-tuned model (README: "Weight-based unlearning"), run erase request run ${r.requestId}, then erase request weights-done ${r.requestId} and delete ${r.forgetFile}`,
    ].join('\n'),
  );
  return EXIT_OK;
};

/** One line per request whose forget set was exported: for `status` and `request show`. */
export function weightUnlearningLines(views: readonly WeightUnlearningView[]): string[] {
  return views.flatMap((v) => [
    v.status === 'pending'
      ? `weight unlearning PENDING for request ${v.requestId} (forget set exported ${v.exportedAt.slice(0, 10)}): when the fine-tuned model is unlearned, run erase request weights-done ${v.requestId}`
      : `weight unlearning done for request ${v.requestId}`,
    ...v.residualForgetFiles.map((f) => `residual copy: the forget set ${f} holds the erased texts of request ${v.requestId}: delete it`),
  ]);
}

export { weightUnlearningStatus };
