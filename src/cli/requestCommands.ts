import {
  UserError,
  markWeightsUnlearned,
  weightUnlearningStatus,
  eraseRequest,
  formatResidualReport,
  listRequests,
  previewRequest,
  receiveRequest,
  refuseRequest,
  isOverdue,
  type DeletionRequestRecord,
} from '../core';
import { openWorkspace } from './openWorkspace';
import { intOption, parse, required } from './args';
import { EXIT_CHECK, EXIT_OK } from './output';
import type { Command } from './commands';
import { weightUnlearningLines } from './forgetCommands';

function line(r: DeletionRequestRecord, now: string): string {
  const due = isOverdue(r, now) ? 'OVERDUE' : `due ${r.deadline.slice(0, 10)}`;
  return `${r.requestId}  ${r.status.padEnd(8)}  ${String(r.matchedCount).padStart(4)} example(s)  ${due}  ${r.requester ?? ''}${r.subjectRef ? ` [${r.subjectRef}]` : ''}`;
}

/** `erase request add | list | show | run | refuse`: deletion requests as tracked records. */
export const requestCommand: Command = async (argv, mk) => {
  const [sub, ...rest] = argv;
  const { values, positionals } = parse(rest, {
    data: { type: 'string' },
    id: { type: 'string', multiple: true },
    match: { type: 'string' },
    regex: { type: 'string' },
    'ignore-case': { type: 'boolean' },
    requester: { type: 'string' },
    subject: { type: 'string' },
    reason: { type: 'string' },
    'request-id': { type: 'string' },
    'deadline-days': { type: 'string' },
    verify: { type: 'boolean' },
    'skip-scan': { type: 'boolean' },
    'unload-model': { type: 'boolean' },
  });
  const out = mk(!!values.json);
  const ws = await openWorkspace(values.data, out);
  const now = new Date().toISOString();
  switch (sub) {
    case 'add': {
      const ways = [values.id?.length, values.match, values.regex].filter((x) => x).length;
      if (ways !== 1) throw new UserError('say what the request covers with exactly one of --id ID (repeatable), --match TEXT or --regex RE', 'usage');
      const match = values.id?.length
        ? ({ kind: 'ids' } as const)
        : values.match !== undefined
          ? ({ kind: 'text', value: values.match, ignoreCase: !!values['ignore-case'] } as const)
          : ({ kind: 'regex', value: values.regex!, ignoreCase: !!values['ignore-case'] } as const);
      const { record, preview } = await receiveRequest(ws, {
        requestId: values['request-id'],
        requester: values.requester,
        subjectRef: values.subject,
        reason: values.reason,
        match,
        ids: values.id,
        deadlineDays: intOption(values['deadline-days'], 'deadline-days', 0, 3650),
      });
      out.result(
        { record, preview: preview.map((e) => ({ id: e.id, lines: e.lines, input: e.input, output: e.output })) },
        `${line(record, now)}\n${preview.map((e) => `  line ${e.lines.join(',')}  ${e.input}`).join('\n')}\nnext: erase request run ${record.requestId}`,
      );
      return EXIT_OK;
    }
    case 'list': {
      const all = await listRequests(ws);
      out.result(all, all.length ? all.map((r) => line(r, now)).join('\n') : 'no deletion requests');
      return EXIT_OK;
    }
    case 'show': {
      const id = positionals[0] ?? required(values['request-id'], 'request-id', 'erase request show REQ-1');
      const r = (await listRequests(ws)).find((x) => x.requestId === id);
      if (!r) throw new UserError(`no deletion request ${id}: see \`erase request list\``, 'input');
      const preview = previewRequest(ws, id);
      const weights = weightUnlearningStatus(ws).filter((v) => v.requestId === id);
      out.result(
        { record: r, preview: preview.map((e) => ({ id: e.id, lines: e.lines, input: e.input })), weightUnlearning: weights[0] ?? null },
        [line(r, now), ...preview.map((e) => `  line ${e.lines.join(',')}  ${e.input}`), ...weightUnlearningLines(weights)].join('\n'),
      );
      return EXIT_OK;
    }
    case 'run': {
      const id = positionals[0] ?? required(values['request-id'], 'request-id', 'erase request run REQ-1');
      const { record, receipt, scanResiduals } = await eraseRequest(
        ws,
        { kind: 'record', requestId: id },
        { verify: !!values.verify, unloadModel: !!values['unload-model'], scan: !values['skip-scan'] },
      );
      const residuals = scanResiduals ? await scanResiduals() : null;
      out.result(
        { record, receipt, residuals },
        `${record ? line(record, now) : id}\n${receipt.alreadyDone ? 'already erased earlier' : `erased ${receipt.erasedIds.length} example(s), ${receipt.certified ? 'certified' : 'retrained'}, audit entry #${receipt.auditSeq}`}${residuals ? `\n${formatResidualReport(residuals)}` : ''}`,
      );
      return receipt.verification && !receipt.verification.equal ? EXIT_CHECK : EXIT_OK;
    }
    case 'weights-done': {
      const id = positionals[0] ?? required(values['request-id'], 'request-id', 'erase request weights-done REQ-1');
      const r = await markWeightsUnlearned(ws, id);
      const views = weightUnlearningStatus(ws).filter((v) => v.requestId === id);
      out.result({ record: r, weightUnlearning: views[0] ?? null }, [line(r, now), ...weightUnlearningLines(views)].join('\n'));
      return EXIT_OK;
    }
    case 'refuse': {
      const id = positionals[0] ?? required(values['request-id'], 'request-id', 'erase request refuse REQ-1 --reason "legal hold"');
      const reason = required(values.reason, 'reason', '--reason "legal hold until 2027"');
      const r = await refuseRequest(ws, id, reason);
      out.result(r, line(r, now));
      return EXIT_OK;
    }
    default:
      throw new UserError(
        'usage: erase request add (--id ID … | --match TEXT | --regex RE) [--requester R] [--subject REF] [--deadline-days N] | list | show ID | run ID [--verify] | refuse ID --reason R | weights-done ID',
        'usage',
      );
  }
};
