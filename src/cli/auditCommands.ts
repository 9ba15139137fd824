import { writeFileSync } from 'node:fs';
import { UserError, consistency, exportReport, proveRequest, verifyLog, type ReportFormat, loadMeta, namingFile, recordAuditCheck } from '../core';
import { openWorkspace } from './openWorkspace';
import { intOption, parse, required } from './args';
import { EXIT_CHECK, EXIT_OK, type Output } from './output';
import type { Command } from './commands';

async function open(data: string | undefined, out: Output) {
  const ws = await openWorkspace(data, out);
  return { ws, expectedHead: loadMeta(ws.paths)?.auditHead };
}

/** `erase audit verify|prove|consistency|export`. */
export const auditCommand: Command = async (argv, mk) => {
  const [sub, ...rest] = argv;
  const { values } = parse(rest, {
    data: { type: 'string' },
    request: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
  });
  const out = mk(!!values.json);
  const { ws, expectedHead } = await open(values.data, out);
  const dir = ws.paths.auditDir;
  switch (sub) {
    case 'verify': {
      const r = await verifyLog(dir, { expectedHead });
      // Kept beside the log (not in it): the dashboard's "last audit verify".
      recordAuditCheck(ws.paths, r, new Date().toISOString());
      const keys = r.keyChanges.map(
        (c) => `key change at entry ${c.seq}: ${c.action} of signing key ${c.signingKeyId.slice(0, 16)}…${c.vouchedBy ? ` (countersigned by ${c.vouchedBy.slice(0, 16)}…)` : ''}`,
      );
      const notes = [...keys, ...r.warnings.map((w) => `note: ${w}`)].map((l) => `\n${l}`).join('');
      const human = r.ok
        ? `audit log OK: ${r.size} entries, root ${r.rootHash}${notes}`
        : `audit log FAILED verification:\n${r.problems.map((p) => `- ${p.kind}${p.seq !== undefined ? ` (entry ${p.seq})` : ''}: ${p.message}`).join('\n')}${notes}`;
      out.result(r, human);
      return r.ok ? EXIT_OK : EXIT_CHECK;
    }
    case 'prove': {
      const id = required(values.request, 'request', '--request REQ-1');
      const proofs = await proveRequest(dir, id, { expectedHead });
      if (proofs.length === 0) throw new UserError(`no audit entry for request ${id}`, 'input');
      out.result(proofs, JSON.stringify(proofs, null, 2));
      return EXIT_OK;
    }
    case 'consistency': {
      const from = intOption(required(values.from, 'from', '--from 3'), 'from', 0, Number.MAX_SAFE_INTEGER)!;
      const to = intOption(required(values.to, 'to', '--to 10'), 'to', 0, Number.MAX_SAFE_INTEGER)!;
      const proof = await consistency(dir, from, to, { expectedHead });
      out.result(proof, JSON.stringify(proof, null, 2));
      return EXIT_OK;
    }
    case 'export': {
      const format = (values.format ?? 'md') as ReportFormat;
      if (!['md', 'html', 'json', 'csv'].includes(format)) throw new UserError('--format must be md, html, json or csv', 'usage');
      const text = await exportReport(dir, format, { expectedHead });
      if (values.out) {
        const target = values.out;
        namingFile(target, () => writeFileSync(target, text));
        out.result({ out: values.out, format }, `wrote ${values.out}`);
      } else process.stdout.write(text);
      return EXIT_OK;
    }
    default:
      throw new UserError('usage: erase audit verify | prove --request ID | consistency --from N --to M | export --format md|html|json|csv [--out FILE]', 'usage');
  }
};
