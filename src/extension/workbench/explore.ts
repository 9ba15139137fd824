// Host side of the workbench's exploring tools (issue 11): each handler calls core and shapes the
// answer into the protocol's plain views. Nothing here computes: keywords, search, near-duplicates,
// outliers and the export are core's (the same functions as `erase describe|search|…`).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeClusters, exportSelection, findNearDuplicates, findOutliers, searchCapped, type ExportSelector } from '../../core';
import type { ExampleRowView, ExportResultView, WebviewRequests } from '../../shared/protocol';
import type { EraseService } from '../eraseService';
import { log } from '../log';

type Result<M extends keyof WebviewRequests> = Promise<WebviewRequests[M]['result']>;
type Params<M extends keyof WebviewRequests> = WebviewRequests[M]['params'];

/** The legend shows the same names as the Data set tree: the top three keywords. */
const LEGEND_KEYWORDS = 3;
/** The list view shows the start of each input; the full text is one hover or click away. */
const SNIPPET_CHARS = 200;

export async function describeForLegend(service: EraseService): Result<'describeClusters'> {
  // outliers: 0 — the legend needs no vectors, so no embedder is woken for it
  const clusters = await service.run((ws) => describeClusters(ws, { keywords: LEGEND_KEYWORDS, outliers: 0 }), false);
  return { clusters: clusters.map((c) => ({ index: c.index, size: c.size, labels: { ...c.labels }, keywords: [...c.keywords] })) };
}

export async function searchForMap(service: EraseService, p: Params<'searchExamples'>): Result<'searchExamples'> {
  const r = await service.run((ws) => searchCapped(ws, { kind: p.kind, query: p.query, ignoreCase: p.ignoreCase }, p.limit), false);
  return { hits: r.hits.map((h) => (h.distance === undefined ? { id: h.id } : { id: h.id, distance: h.distance })), truncated: r.truncated };
}

export async function nearDuplicatesView(service: EraseService, p: Params<'nearDuplicates'>): Result<'nearDuplicates'> {
  const groups = await service.run((ws) => findNearDuplicates(ws, p.threshold), false);
  return { threshold: p.threshold, groups: groups.map((g) => ({ ids: [...g.ids], maxDistance: g.maxDistance })) };
}

export async function outliersView(service: EraseService, p: Params<'outliers'>): Result<'outliers'> {
  const outliers = await service.run((ws) => findOutliers(ws, p.limit), false);
  return { outliers: outliers.map((o) => ({ id: o.id, cluster: o.cluster, distance: o.distance, score: o.score })) };
}

export async function exampleRows(service: EraseService): Result<'listExamples'> {
  const rows = await service.run(
    (ws) =>
      ws.examples().map(
        (e): ExampleRowView => ({
          id: e.id,
          cluster: e.cluster ?? -1,
          ...(e.label !== undefined ? { label: e.label } : {}),
          snippet: snippet(e.input),
        }),
      ),
    false,
  );
  return { rows };
}

/** The first SNIPPET_CHARS code points (never half a surrogate pair). */
function snippet(text: string): string {
  const head = Array.from(text.slice(0, SNIPPET_CHARS * 2))
    .slice(0, SNIPPET_CHARS)
    .join('');
  return head.length < text.length ? `${head}…` : head;
}

/** Asks where to save, then core copies the selected examples' lines byte for byte (refusing the data file itself). */
export async function exportSelectionFlow(service: EraseService, p: Params<'exportSelection'>): Promise<ExportResultView> {
  const ws = await service.get();
  if (!ws) throw new Error(vscode.l10n.t('No ERASE data set in this workspace. Import a TSV/CSV file or set erase.dataFile.'));
  const what = p.kind === 'cluster' ? vscode.l10n.t('cluster {0}', p.cluster) : vscode.l10n.t('{0} example(s)', p.ids.length);
  const suggested = p.kind === 'cluster' ? `cluster-${p.cluster}.jsonl` : 'selection.jsonl';
  const uri = await vscode.window.showSaveDialog({
    title: vscode.l10n.t('Export {0} as JSONL', what),
    defaultUri: vscode.Uri.file(path.join(path.dirname(ws.dataFile), suggested)),
    filters: { 'JSON Lines': ['jsonl'] },
    saveLabel: vscode.l10n.t('Export'),
  });
  if (!uri) return { cancelled: true };
  if (uri.scheme !== 'file') throw new Error(vscode.l10n.t('Export needs a file on this machine, not {0}', uri.scheme));
  const selector: ExportSelector = p.kind === 'cluster' ? { kind: 'cluster', cluster: p.cluster } : { kind: 'ids', ids: p.ids };
  const r = await service.run((w) => exportSelection(w, selector, uri.fsPath), false);
  log.info(`exported ${r.examples} example(s) (${r.lines} lines) to ${uri.fsPath}`);
  return { cancelled: false, file: uri.fsPath, examples: r.examples, lines: r.lines, bytes: r.bytes };
}
