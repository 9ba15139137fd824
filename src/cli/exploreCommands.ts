// Understanding the data at a glance: describe, search, near-duplicates, outliers, export-selection.
// Each command parses its arguments, calls core and renders; the logic is in core.
import {
  UserError,
  describeClusters,
  searchExamples,
  findNearDuplicates,
  findOutliers,
  exportSelection,
  labelMix,
  DEFAULT_NEAR_DUPLICATE_THRESHOLD,
  type ClusterDescription,
  type ExportSelector,
  type SearchQuery,
} from '../core';
import { openWorkspace } from './openWorkspace';
import { intOption, parse, required } from './args';
import { EXIT_OK } from './output';
import type { Command } from './commands';

function describeTable(clusters: readonly ClusterDescription[]): string {
  return clusters
    .map((c) =>
      [
        `cluster ${c.index} · ${c.size} examples${Object.keys(c.labels).length ? ` · ${labelMix(c.labels)}` : ''}`,
        `  keywords:        ${c.keywords.join(', ') || '-'}`,
        `  representatives: ${c.representatives.join(' ') || '-'}`,
        `  outliers:        ${c.outliers.join(' ') || '-'}`,
      ].join('\n'),
    )
    .join('\n');
}

export const describeCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, { data: { type: 'string' }, keywords: { type: 'string' }, outliers: { type: 'string' } });
  const out = mk(!!values.json);
  const keywords = intOption(values.keywords, 'keywords', 0, 100);
  const outliers = intOption(values.outliers, 'outliers', 0, 1000);
  const ws = await openWorkspace(values.data, out);
  const clusters = await describeClusters(ws, { keywords, outliers });
  out.result({ clusters }, describeTable(clusters));
  return EXIT_OK;
};

export const searchCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, {
    data: { type: 'string' },
    text: { type: 'string' },
    regex: { type: 'string' },
    near: { type: 'string' },
    'ignore-case': { type: 'boolean', short: 'i' },
    limit: { type: 'string' },
  });
  const out = mk(!!values.json);
  const given = [values.text, values.regex, values.near].filter((v) => v !== undefined).length;
  if (given !== 1) throw new UserError('give exactly one of --text T, --regex RE or --near T', 'usage');
  const limit = intOption(values.limit, 'limit', 1, 1_000_000) ?? (values.near !== undefined ? 10 : 100);
  let query: SearchQuery;
  if (values.text !== undefined) query = { kind: 'text', text: required(values.text, 'text', '--text "gripping"'), ignoreCase: !!values['ignore-case'] };
  else if (values.regex !== undefined) query = { kind: 'regex', pattern: values.regex, ignoreCase: !!values['ignore-case'] };
  else query = { kind: 'near', text: values.near! };
  const ws = await openWorkspace(values.data, out);
  const hits = await searchExamples(ws, query, limit);
  out.result(
    { hits },
    hits.length === 0
      ? 'no example matches'
      : hits.map((h) => `${h.id}  line ${h.lines.join(', ')}${h.distance !== undefined ? `  distance ${h.distance.toFixed(4)}` : ''}`).join('\n'),
  );
  return EXIT_OK;
};

export const nearDuplicatesCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, { data: { type: 'string' }, threshold: { type: 'string' } });
  const out = mk(!!values.json);
  let threshold = DEFAULT_NEAR_DUPLICATE_THRESHOLD;
  if (values.threshold !== undefined) {
    threshold = Number(values.threshold);
    if (!(threshold >= 0 && threshold < 100)) throw new UserError(`--threshold must be a number in 0..100 (projected distance), got "${values.threshold}"`, 'usage');
  }
  const ws = await openWorkspace(values.data, out);
  const groups = await findNearDuplicates(ws, threshold);
  out.result(
    { threshold, groups },
    groups.length === 0
      ? `no near-duplicates within distance ${threshold}`
      : [`${groups.length} group(s) within distance ${threshold}:`, ...groups.map((g) => `  ${g.ids.join(' ')}  (max distance ${g.maxDistance.toFixed(4)})`)].join('\n'),
  );
  return EXIT_OK;
};

export const outliersCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, { data: { type: 'string' }, limit: { type: 'string' } });
  const out = mk(!!values.json);
  const limit = intOption(values.limit, 'limit', 1, 1_000_000) ?? 20;
  const ws = await openWorkspace(values.data, out);
  const outliers = await findOutliers(ws, limit);
  out.result(
    { outliers },
    outliers.map((o) => `${o.id}  cluster ${o.cluster}  distance ${o.distance.toFixed(4)}  (${o.score.toFixed(2)}× the cluster's radius)`).join('\n') || 'no examples',
  );
  return EXIT_OK;
};

export const exportSelectionCommand: Command = async (argv, mk) => {
  const { values, positionals } = parse(argv, {
    data: { type: 'string' },
    ids: { type: 'string', multiple: true },
    cluster: { type: 'string' },
    text: { type: 'string' },
    regex: { type: 'string' },
    out: { type: 'string' },
  });
  const out = mk(!!values.json);
  const target = required(values.out, 'out', '--out selection.jsonl');
  const given = [values.ids, values.cluster, values.text, values.regex].filter((v) => v !== undefined).length;
  if (given !== 1) throw new UserError('give exactly one of --ids ID…, --cluster N, --text T or --regex RE', 'usage');
  if (positionals.length && values.ids === undefined) throw new UserError(`unexpected argument "${positionals[0]}" (see \`erase help\`)`, 'usage');
  let selector: ExportSelector;
  if (values.ids !== undefined) selector = { kind: 'ids', ids: [...values.ids, ...positionals] };
  else if (values.cluster !== undefined) selector = { kind: 'cluster', cluster: intOption(values.cluster, 'cluster', 0, 1023)! };
  else if (values.text !== undefined) selector = { kind: 'text', text: required(values.text, 'text', '--text "gripping"') };
  else selector = { kind: 'regex', pattern: values.regex! };
  const ws = await openWorkspace(values.data, out);
  const r = exportSelection(ws, selector, target);
  out.result({ out: target, ...r }, `wrote ${r.examples} example(s) (${r.lines} lines, ${r.bytes} bytes) to ${target}`);
  return EXIT_OK;
};
