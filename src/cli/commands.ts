import { existsSync } from 'node:fs';
import {
  UserError,
  CancelledError,
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
  type EraseOutcome,
  type ErasureCheckReport,
  scanWorkspace,
  formatResidualReport,
  readRequestsFile,
  weightUnlearningStatus,
  verifyAndRecord,
  workspaceDashboard,
  recordResidualScan,
  listRequests,
  completePrompt,
  promptBudget,
  selectorPrompt,
  checkGeneration,
  PROMPT_SELECTORS,
  type GenerationSettings,
  type PromptSelector,
  recordCompletion,
  describePromptChange,
} from '../core';
import { GENERATION_FLAGS, generationFlags } from './generationArgs';
import { weightUnlearningLines } from './forgetCommands';
import { dashboardText } from './dashboardText';
import { openWorkspace } from './openWorkspace';
import { CHECK_OPTIONS, checksFrom, checkText } from './erasureChecks';
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
  const { values } = parse(argv, { data: { type: 'string' }, ids: { type: 'boolean' } });
  const out = mk(!!values.json);
  const ws = await openWorkspace(values.data, out);
  const s = ws.status({ ids: !!values.ids });
  const weights = weightUnlearningStatus(ws).filter((v) => v.status === 'pending' || v.residualForgetFiles.length > 0);
  const compliance = await workspaceDashboard(ws);
  out.result(
    { ...s, weightUnlearning: weights, compliance },
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
          ? s.source === 'recorded'
            ? 'the state matches the data file (unchanged since the last transaction: same size, mtime, ctime and inode)'
            : 'the state matches the data file'
          : '',
      ...weightUnlearningLines(weights),
    ]
      .filter((line) => line !== '')
      .join('\n') +
      '\n\n' +
      dashboardText(compliance) +
      // Built only for the text output: a million ids (--ids at 1M) are not joined for --json.
      (s.ids && !out.json ? `\n\nids (${s.ids.length}):\n${s.ids.join('\n')}` : ''),
  );
  return EXIT_OK;
};

/** `--selector erase|knn|random|zero-shot` (the side-by-side columns of the playground). */
function selectorOption(value: string | undefined): PromptSelector {
  if (value === undefined) return 'erase';
  const s = value === 'zero-shot' ? 'zeroShot' : value;
  if (!(PROMPT_SELECTORS as readonly string[]).includes(s)) throw new UserError(`--selector must be one of erase, knn, random, zero-shot, got "${value}"`, 'usage');
  return s as PromptSelector;
}

export const promptCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, { data: { type: 'string' }, query: { type: 'string' }, selector: { type: 'string' } });
  const out = mk(!!values.json);
  const selector = selectorOption(values.selector);
  if (selector !== 'erase' && values.query === undefined) throw new UserError(`--selector ${values.selector} needs --query TEXT`, 'usage');
  const ws = await openWorkspace(values.data, out);
  const p = selector === 'erase' ? await ws.prompt(values.query) : await selectorPrompt(ws, selector, values.query!);
  const budget = promptBudget(p, ws.config.generation);
  if (budget.warning) out.note(`warning: ${budget.warning}`);
  out.result({ ...p, estimatedTokens: budget.estimatedTokens, contextWarning: budget.warning }, (p.system ? `[system] ${p.system}\n\n` : '') + p.text);
  return EXIT_OK;
};

export const completeCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, {
    data: { type: 'string' },
    query: { type: 'string' },
    model: { type: 'string' },
    host: { type: 'string' },
    selector: { type: 'string' },
    ...GENERATION_FLAGS,
  });
  const out = mk(!!values.json);
  const query = required(values.query, 'query', '--query "a moving, funny film"');
  const selector = selectorOption(values.selector);
  const ws = await openWorkspace(values.data, out);
  const generation: GenerationSettings = { ...ws.config.generation, ...generationFlags(values) };
  checkGeneration(generation);
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const p = await selectorPrompt(ws, selector, query, { signal: controller.signal });
    const budget = promptBudget(p, generation);
    if (budget.warning) out.note(`warning: ${budget.warning}`);
    const model = values.model ?? ws.config.ollamaModel;
    let thinking: 'no' | 'yes' | 'done' = 'no';
    const endThinking = () => {
      if (thinking === 'yes') process.stderr.write('\n[/thinking]\n');
      thinking = 'done';
    };
    const r = await completePrompt({
      host: values.host ?? ws.config.ollamaHost,
      model,
      prompt: p,
      generation,
      signal: controller.signal,
      onToken: out.json
        ? undefined
        : (t) => {
            endThinking();
            process.stdout.write(t);
          },
      // the thinking text is for the reader, not the answer: stderr keeps stdout the answer alone
      onThinking: out.json
        ? undefined
        : (t) => {
            if (thinking === 'no') process.stderr.write('[thinking]\n');
            thinking = 'yes';
            process.stderr.write(t);
          },
    });
    await recordCompletion(ws, { time: new Date().toISOString(), source: 'complete', model, ids: p.ids, answer: r.text });
    if (out.json) {
      if (r.contextWarning) out.note(`warning: ${r.contextWarning}`);
      out.result({ ...r, selector }, r.text);
    } else {
      endThinking();
      process.stdout.write(`\n`);
      if (r.contextWarning) out.note(`warning: ${r.contextWarning}`);
      out.note(`[examples: ${p.ids.join(' ')}] [prompt tokens: ${r.promptEvalCount} counted by the server, ${r.estimatedPromptTokens} estimated] [template ${r.templateVersion}]`);
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
    ...CHECK_OPTIONS,
  });
  const out = mk(!!values.json);
  const checks = checksFrom(values);
  const ways = [values.id?.length ? 1 : 0, values.match !== undefined ? 1 : 0, values.regex !== undefined ? 1 : 0, values.requests !== undefined ? 1 : 0].reduce(
    (a, b) => a + b,
    0,
  );
  if (ways !== 1) throw new UserError('say what to erase with exactly one of --id ID (repeatable), --match TEXT, --regex RE or --requests FILE.jsonl', 'usage');
  const ws = await openWorkspace(values.data, out);
  const common = { verify: !!values.verify, unloadModel: values['keep-model'] ? false : values['unload-model'] ? true : undefined, scan: !values['skip-scan'] };
  if (values.requests !== undefined) {
    if (checks) throw new UserError('--leakage-check and --near-duplicates check one erasure: use them with --id, --match or --regex, not --requests', 'usage');
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
  const {
    receipt: r,
    scanResiduals,
    checkErasure,
  } = await eraseRequest(ws, selector, {
    ...common,
    requestId: values['request-id'],
    requester: values.requester,
    subjectRef: values.subject,
    reason: values.reason,
    checks,
  });
  // The erasure is committed: its receipt is shown now, the residual scan's result when it is done.
  const receiptFirst = !out.json && scanResiduals !== null;
  if (receiptFirst) out.result(null, receiptText(r));
  if (scanResiduals && !out.json) out.note('looking for residual copies (workspace, .erase/, git history)…');
  const residuals = scanResiduals ? await scanResiduals() : undefined;
  // The erasure is committed: a failed or cancelled check must not hide its receipt.
  let checked: ErasureCheckReport | undefined;
  let checksError: string | undefined;
  if (checkErasure) {
    try {
      checked = await runChecks(checkErasure, !out.json);
    } catch (e) {
      if (!(e instanceof UserError || e instanceof CancelledError)) throw e;
      checksError = e instanceof CancelledError ? 'cancelled' : e.message;
    }
  }
  out.result(
    { ...r, ...(residuals ? { residuals } : {}), ...(checked ? { checks: checked } : {}), ...(checksError ? { checksError } : {}) },
    [
      receiptFirst ? null : receiptText(r),
      residuals ? formatResidualReport(residuals) : null,
      checked ? checkText(checked, r.erasedIds) : null,
      checksError ? `follow-up checks not done (${checksError}); the erasure itself is done and audited` : null,
    ]
      .filter((x) => x !== null)
      .join('\n'),
  );
  return (r.verification && !r.verification.equal) || checksError ? EXIT_CHECK : EXIT_OK;
};

/** Runs the follow-up checks with progress; Ctrl-C cancels them (the erasure itself is already done). */
async function runChecks(check: NonNullable<EraseOutcome['checkErasure']>, showProgress: boolean): Promise<ErasureCheckReport> {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  const progress = progressPrinter(showProgress);
  try {
    return await check({ signal: controller.signal, onProgress: (done, total) => progress('leakage check', done, total) });
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export const verifyCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, { data: { type: 'string' } });
  const out = mk(!!values.json);
  const ws = await openWorkspace(values.data, out);
  // Recorded as a `verify` audit entry (the state is unchanged): the dashboard shows the last one.
  const r = await verifyAndRecord(ws, { onProgress: progressPrinter(!out.json) });
  out.result(r, `${r.equal ? 'equal' : 'NOT EQUAL'}: state ${r.stateHash}, retrain from scratch ${r.scratchHash} (${r.ms.toFixed(0)} ms); audit entry #${r.auditSeq}`);
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
  const { values } = parse(argv, { data: { type: 'string' }, request: { type: 'string' } });
  const out = mk(!!values.json);
  const ws = await openWorkspace(values.data, out);
  // Before reading stdin, so a mistyped id fails at once.
  if (values.request !== undefined && !(await listRequests(ws)).some((q) => q.requestId === values.request))
    throw new UserError(`no deletion request ${values.request} (see erase request list)`, 'input');
  if (process.stdin.isTTY) out.note('type the texts to look for, one per line, then Ctrl-D (they are not echoed to any log)');
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const needles = input.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (needles.length === 0) throw new UserError('nothing to look for: pipe the texts on stdin, one per line (e.g. erase scan < texts.txt)', 'usage');
  const r = await scanWorkspace(ws, needles);
  // With --request, the counts replace that request's last scan (how outstanding copies are cleared on the dashboard).
  if (values.request !== undefined) await recordResidualScan(ws, values.request, r);
  out.result(r, formatResidualReport(r) + (values.request !== undefined ? `\nrecorded as the residual-copy scan of request ${values.request}` : ''));
  return r.hits.length > 0 ? EXIT_CHECK : EXIT_OK;
};
