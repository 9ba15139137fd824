import { existsSync } from 'node:fs';
import {
  UserError,
  importTableFile,
  checkDataFile,
  rootForDataFile,
  workspacePaths,
  EraseWorkspace,
  eraseRequest,
  eraseRequestsFile,
  reconcile,
  selectExamples,
  type DeletionReceipt,
  type EraseSelector,
  scanWorkspace,
  formatResidualReport,
  streamCompletion,
  readRequestsFile,
  recordCompletion,
  describePromptChange,
} from '../core';
import { openWorkspace } from './openWorkspace';
import { columnOption, epsOption, intOption, parse, required } from './args';
import { EXIT_CHECK, EXIT_OK, progressPrinter, setStateDir, type Output } from './output';

export type Command = (argv: string[], out: (json: boolean) => Output) => Promise<number>;

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

export const importCommand: Command = async (argv, mk) => {
  const { values, positionals } = parse(argv, {
    'text-col': { type: 'string' },
    'label-col': { type: 'string' },
    'id-col': { type: 'string' },
    header: { type: 'boolean' },
    format: { type: 'string' },
    out: { type: 'string' },
  });
  const out = mk(!!values.json);
  const file = positionals[0];
  if (!file) throw new UserError('missing input file: erase import FILE.tsv|FILE.csv --text-col C [--label-col C] [--header] --out FILE.jsonl', 'usage');
  if (!existsSync(file)) throw new UserError(`input file ${file} does not exist`, 'input');
  const target = required(values.out, 'out', '--out data.jsonl');
  const format = values.format as 'csv' | 'tsv' | undefined;
  if (format !== undefined && format !== 'csv' && format !== 'tsv') throw new UserError('--format must be csv or tsv', 'usage');
  const res = importTableFile(file, target, {
    format,
    textCol: columnOption(required(values['text-col'], 'text-col', '--text-col sentence (a header name) or --text-col 0 (an index)'))!,
    labelCol: columnOption(values['label-col']),
    idCol: columnOption(values['id-col']),
    header: !!values.header,
  });
  for (const p of res.problems.slice(0, 20)) out.note(`${file}:${p.line}:${p.column}: ${p.message}`);
  if (res.problems.length > 20) out.note(`… and ${res.problems.length - 20} more problems`);
  out.result(
    { out: target, rowsRead: res.rowsRead, records: res.records.length, problems: res.problems },
    `imported ${res.records.length} of ${res.rowsRead} rows into ${target}${res.problems.length ? ` (${res.problems.length} rows skipped, see above)` : ''}`,
  );
  return EXIT_OK;
};

export const initCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, {
    data: { type: 'string' },
    k: { type: 'string' },
    eps: { type: 'string' },
    seed: { type: 'string' },
    dims: { type: 'string' },
    'max-iter': { type: 'string' },
    embedder: { type: 'string' },
    mode: { type: 'string' },
    shots: { type: 'string' },
    host: { type: 'string' },
    model: { type: 'string' },
  });
  const out = mk(!!values.json);
  const data = required(values.data, 'data', '--data examples.jsonl');
  if (values.mode !== undefined && values.mode !== 'dataset' && values.mode !== 'query') throw new UserError('--mode must be dataset or query', 'usage');
  if (existsSync(data)) checkDataFile(data); // before .erase/ is created beside it
  setStateDir(workspacePaths(rootForDataFile(data).root).dir);
  const ws = EraseWorkspace.init(data, {
    k: intOption(values.k, 'k', 1, 1024),
    eps: epsOption(values.eps),
    seed: values.seed,
    dims: intOption(values.dims, 'dims', 1, 1024),
    maxIter: intOption(values['max-iter'], 'max-iter', 1, 1000),
    embedder: values.embedder,
    mode: values.mode as 'dataset' | 'query' | undefined,
    shots: intOption(values.shots, 'shots', 1, 64),
    ollamaHost: values.host,
    ollamaModel: values.model,
  });
  const ds = ws.loadDataset();
  for (const m of ds.malformed.slice(0, 20)) out.note(`${ws.dataFile}:${m.line}:${m.column}: ${m.message}`);
  out.result(
    { stateDir: ws.stateDir, config: ws.config, examples: ds.examples.length, malformed: ds.malformed.length, duplicates: ds.duplicates.length },
    `initialised ${ws.stateDir} for ${ds.examples.length} examples (${ds.malformed.length} malformed lines, ${ds.duplicates.length} duplicated examples); next: erase cluster`,
  );
  return EXIT_OK;
};

export const clusterCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, { data: { type: 'string' } });
  const out = mk(!!values.json);
  const ws = await openWorkspace(values.data, out);
  const r = await ws.cluster({ onProgress: progressPrinter(!out.json) });
  for (const w of r.warnings) out.note(`warning: ${w}`);
  const human = [
    `clustered n=${r.n} (${r.distinct} distinct) into k=${r.k} with ε=${r.eps}${r.epsNote ? ` (auto: ${r.epsNote})` : ''}`,
    `iterations: ${r.iterations}${r.converged ? ' (converged)' : ' (hit the limit)'}`,
    `predicted certified deletions: ${pct(r.predictedCertified)}  (expected cost per deletion ≈ check + ${pct(1 - r.predictedCertified)} of a retrain)`,
    `clustering quality VE: ${r.ve.toFixed(3)}, non-empty clusters: ${r.nonEmpty}/${r.k}`,
    `state hash: ${r.stateHash}`,
    `representatives: ${r.representatives.map((x) => x ?? '-').join(' ')}`,
    `${r.ms.toFixed(0)} ms`,
  ].join('\n');
  out.result(r, human);
  return EXIT_OK;
};

export const statusCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, { data: { type: 'string' } });
  const out = mk(!!values.json);
  const ws = await openWorkspace(values.data, out);
  const s = ws.status();
  out.result(
    s,
    [
      `data: ${s.dataFile}: n=${s.n} (${s.distinct} distinct), ${s.malformed.length} malformed lines, ${s.duplicates} duplicated examples`,
      s.stateOutdated
        ? 'state: from an older format: run erase cluster to rebuild it'
        : s.clustered
          ? `state: k=${s.k}, ε=${s.eps}, hash ${s.stateHash}`
          : 'state: not clustered yet (run erase cluster)',
      `deletions: ${s.deletions.certified} certified, ${s.deletions.retrained} retrained`,
      s.outOfDate
        ? `the data file was edited since the last clustering (${s.drift!.removed.length} removed, ${s.drift!.added.length} added, ${s.drift!.edited.length} texts edited): run erase reconcile`
        : s.clustered
          ? 'the state matches the data file'
          : '',
    ]
      .filter((line) => line !== '')
      .join('\n'),
  );
  return EXIT_OK;
};

export const promptCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, { data: { type: 'string' }, query: { type: 'string' } });
  const out = mk(!!values.json);
  const ws = await openWorkspace(values.data, out);
  const p = await ws.prompt(values.query);
  out.result(p, p.text);
  return EXIT_OK;
};

export const completeCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, { data: { type: 'string' }, query: { type: 'string' }, model: { type: 'string' }, host: { type: 'string' } });
  const out = mk(!!values.json);
  const query = required(values.query, 'query', '--query "a moving, funny film"');
  const ws = await openWorkspace(values.data, out);
  const p = await ws.prompt(query);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const r = await streamCompletion({
      host: values.host ?? ws.config.ollamaHost,
      model: values.model ?? ws.config.ollamaModel,
      prompt: p.text,
      signal: controller.signal,
      onToken: out.json ? undefined : (t) => process.stdout.write(t),
    });
    await recordCompletion(ws, { time: new Date().toISOString(), source: 'complete', model: values.model ?? ws.config.ollamaModel, ids: p.ids, answer: r.text });
    if (out.json) out.result({ ...r, promptIds: p.ids, model: values.model ?? ws.config.ollamaModel }, r.text);
    else {
      process.stdout.write(`\n`);
      out.note(`[examples: ${p.ids.join(' ')}]`);
    }
  } finally {
    process.off('SIGINT', onSigint);
  }
  return EXIT_OK;
};

function receiptText(r: DeletionReceipt): string {
  if (r.alreadyDone) return `request ${r.requestId} was already erased earlier (audit entry #${r.auditSeq}); nothing to do`;
  return [
    `erased ${r.erasedIds.length} example(s) (${r.erasedCopies} copies, ${r.removedLines} lines) — request ${r.requestId}`,
    r.certified
      ? `certified: the clustering was updated without a retrain (${r.updateMs.toFixed(2)} ms)`
      : `retrained from iteration ${r.retrainedFrom} (${r.reason}; ${r.updateMs.toFixed(1)} ms)`,
    `state ${r.stateHashBefore.slice(0, 16)}… → ${r.stateHashAfter.slice(0, 16)}…${r.verification ? `; verified against a retrain: ${r.verification.equal ? 'equal' : 'NOT EQUAL'}` : ''}`,
    `prompt ${r.promptChanged ? 'changed' : 'unchanged'}; audit entry #${r.auditSeq}; ${r.ms.toFixed(0)} ms`,
    ...r.promptChanges.map((c) => `  ${describePromptChange(c)}`),
    ...(r.provenance && r.provenance.completions > 0
      ? [
          `${r.provenance.completions} recorded completion(s) whose prompt held an erased example ${r.provenance.mode === 'erase' ? 'erased' : 'flagged for review (erase provenance --flagged)'}`,
        ]
      : []),
    ...(r.reconciled
      ? [`hand edits of the data file were reconciled in the same transaction: ${r.reconciled.removedIds.length} removed by hand, ${r.reconciled.addedIds.length} added`]
      : []),
  ].join('\n');
}

export const deleteCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, {
    data: { type: 'string' },
    id: { type: 'string', multiple: true },
    match: { type: 'string' },
    regex: { type: 'string' },
    'ignore-case': { type: 'boolean' },
    requests: { type: 'string' },
    requester: { type: 'string' },
    subject: { type: 'string' },
    reason: { type: 'string' },
    'request-id': { type: 'string' },
    'dry-run': { type: 'boolean' },
    verify: { type: 'boolean' },
    'unload-model': { type: 'boolean' },
    'keep-model': { type: 'boolean' },
    'skip-scan': { type: 'boolean' },
  });
  const out = mk(!!values.json);
  const ways = [values.id?.length ? 1 : 0, values.match !== undefined ? 1 : 0, values.regex !== undefined ? 1 : 0, values.requests !== undefined ? 1 : 0].reduce(
    (a, b) => a + b,
    0,
  );
  if (ways !== 1) throw new UserError('say what to erase with exactly one of --id ID (repeatable), --match TEXT, --regex RE or --requests FILE.jsonl', 'usage');
  const ws = await openWorkspace(values.data, out);
  const common = { verify: !!values.verify, unloadModel: values['keep-model'] ? false : values['unload-model'] ? true : undefined, scan: !values['skip-scan'] };
  if (values.requests !== undefined) {
    if (values['dry-run']) {
      for (const rq of readRequestsFile(values.requests)) {
        const selector: EraseSelector = rq.ids
          ? { kind: 'ids', ids: rq.ids }
          : rq.regex !== undefined
            ? { kind: 'regex', pattern: rq.regex, ignoreCase: rq.ignoreCase }
            : { kind: 'text', text: rq.match ?? '', ignoreCase: rq.ignoreCase };
        out.note(`request ${rq.requestId ?? `on line ${rq.line}`}: would erase ${selectExamples(ws, selector).length} example(s)`);
      }
      out.result([], 'dry run: nothing erased');
      return EXIT_OK;
    }
    const results = await eraseRequestsFile(ws, values.requests, common);
    const rendered: string[] = [];
    const json: unknown[] = [];
    for (const r of results) {
      if ('error' in r) {
        rendered.push(`${values.requests}:${r.line}: request ${r.requestId} failed: ${r.error.message}`);
        json.push({ line: r.line, requestId: r.requestId, error: r.error.message });
        continue;
      }
      const residuals = r.outcome.scanResiduals ? await r.outcome.scanResiduals() : null;
      rendered.push(receiptText(r.outcome.receipt) + (residuals ? `\n${formatResidualReport(residuals)}` : ''));
      json.push({ line: r.line, ...r.outcome.receipt, residuals });
    }
    const failed = results.filter((r) => 'error' in r).length;
    out.result(
      json,
      (rendered.join('\n\n') || 'the requests file holds no request') +
        (failed ? `\n${failed} of ${results.length} request(s) failed; the others were done — fix them and run the same file again (done requests are skipped)` : ''),
    );
    const unequal = results.some((r) => 'outcome' in r && r.outcome.receipt.verification && !r.outcome.receipt.verification.equal);
    return failed > 0 || unequal ? EXIT_CHECK : EXIT_OK;
  }
  const selector: EraseSelector = values.id?.length
    ? { kind: 'ids', ids: values.id }
    : values.regex !== undefined
      ? { kind: 'regex', pattern: values.regex, ignoreCase: !!values['ignore-case'] }
      : { kind: 'text', text: values.match!, ignoreCase: !!values['ignore-case'] };
  if (values['dry-run']) {
    const matches = selectExamples(ws, selector);
    out.result(
      matches.map((e) => ({ id: e.id, lines: e.lines, input: e.input, output: e.output })),
      matches.length
        ? matches.map((e) => `line ${e.lines.join(',')}  ${e.id.slice(0, 16)}…  ${e.input}`).join('\n') + `\n${matches.length} example(s) would be erased`
        : 'no example matches',
    );
    return EXIT_OK;
  }
  const { receipt: r, scanResiduals } = await eraseRequest(ws, selector, {
    ...common,
    requestId: values['request-id'],
    requester: values.requester,
    subjectRef: values.subject,
    reason: values.reason,
  });
  if (!scanResiduals) {
    out.result(r, receiptText(r));
  } else {
    const residuals = await scanResiduals();
    out.result({ ...r, residuals }, `${receiptText(r)}\n${formatResidualReport(residuals)}`);
  }
  return r.verification && !r.verification.equal ? EXIT_CHECK : EXIT_OK;
};

export const verifyCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, { data: { type: 'string' } });
  const out = mk(!!values.json);
  const ws = await openWorkspace(values.data, out);
  const r = await ws.verify({ onProgress: progressPrinter(!out.json) });
  out.result(r, `${r.equal ? 'equal' : 'NOT EQUAL'}: state ${r.stateHash}, retrain from scratch ${r.scratchHash} (${r.ms.toFixed(0)} ms)`);
  return r.equal ? EXIT_OK : EXIT_CHECK;
};

export const reconcileCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, { data: { type: 'string' } });
  const out = mk(!!values.json);
  const ws = await openWorkspace(values.data, out);
  const r = await reconcile(ws, { onProgress: progressPrinter(!out.json) });
  out.result(
    r,
    r.changed
      ? `reconciled hand edits: ${r.removedIds.length} example(s) removed (${r.removedCopies} copies, audited as erasures${r.certified ? ', certified' : ''}), ${r.addedIds.length} added${r.retrained ? '; clustered again' : ''}`
      : 'the state already matches the data file',
  );
  return EXIT_OK;
};

/** `erase scan`: reads the texts to look for from stdin (one per line), never from the command line. */
export const scanCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, { data: { type: 'string' } });
  const out = mk(!!values.json);
  const ws = await openWorkspace(values.data, out);
  if (process.stdin.isTTY) out.note('type the texts to look for, one per line, then Ctrl-D (they are not echoed to any log)');
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const needles = input.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (needles.length === 0) throw new UserError('nothing to look for: pipe the texts on stdin, one per line (e.g. erase scan < texts.txt)', 'usage');
  const r = await scanWorkspace(ws, needles);
  out.result(r, formatResidualReport(r));
  return r.hits.length > 0 ? EXIT_CHECK : EXIT_OK;
};
