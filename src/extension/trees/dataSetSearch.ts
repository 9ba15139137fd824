// "Search Examples…" over the Data set tree: asks how and what to search, runs core's searchCapped
// (the same search as the workbench's search box: the bounded RE2 matcher, the same embedder) and
// shows the hits in the tree. "Select Hits in the Workbench" hands them to the workbench's selection
// (inspector, deletion-request form). The query is never saved or logged.
import * as vscode from 'vscode';
import { searchCapped, type SearchRequest } from '../../core';
import { MAX_SEARCH_HITS, MAX_SEARCH_QUERY, NEAR_SEARCH_HITS } from '../../shared/protocol';
import type { EraseService } from '../eraseService';
import { registerReportingCommand } from '../failures';
import { withCancellableProgress } from '../progress';
import type { WorkbenchPanel } from '../workbench/panel';
import type { DataSetTree } from './dataSetTree';

type Kind = SearchRequest['kind'];

/** Programmatic form (automation, tests): skips the prompts. ignoreCase defaults to true, as in the workbench. */
export interface SearchArgs {
  kind: Kind;
  query: string;
  ignoreCase?: boolean;
}
const isSearchArgs = (a: unknown): a is SearchArgs =>
  !!a && typeof a === 'object' && typeof (a as SearchArgs).query === 'string' && ['text', 'regex', 'near'].includes((a as SearchArgs).kind);

export interface SearchDeps {
  service: EraseService;
  tree: DataSetTree;
  openWorkbench: () => WorkbenchPanel;
}

/** The query as the view's message names it: one line, shortened. */
function shown(query: string, max = 60): string {
  const t = query.replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

async function askSearch(): Promise<SearchArgs | undefined> {
  const kinds: (vscode.QuickPickItem & { searchKind: Kind })[] = [
    { searchKind: 'text', label: vscode.l10n.t('Contains text'), description: vscode.l10n.t('input, output or meta; ignoring case') },
    { searchKind: 'regex', label: vscode.l10n.t('Matches a regular expression'), description: vscode.l10n.t('RE2 dialect, linear time; ignoring case') },
    {
      searchKind: 'near',
      label: vscode.l10n.t('Near in meaning'),
      description: vscode.l10n.t('the {0} examples nearest to the text, by the data set’s embedder', NEAR_SEARCH_HITS),
    },
  ];
  // ignoreFocusOut: run from the palette while the workbench webview is active, the webview takes
  // focus back as the palette closes, which dismissed the pick before it could be used.
  const picked = await vscode.window.showQuickPick(kinds, { title: vscode.l10n.t('Search examples'), placeHolder: vscode.l10n.t('Search by…'), ignoreFocusOut: true });
  if (!picked) return undefined;
  const query = await vscode.window.showInputBox({
    title: vscode.l10n.t('Search examples: {0}', picked.label),
    ignoreFocusOut: true,
    prompt: picked.searchKind === 'regex' ? vscode.l10n.t('An RE2 pattern (no lookaround, no backreferences)') : vscode.l10n.t('The text to look for'),
    validateInput: (v) =>
      v.trim() === '' ? vscode.l10n.t('Type something to search for') : v.length > MAX_SEARCH_QUERY ? vscode.l10n.t('At most {0} characters', MAX_SEARCH_QUERY) : undefined,
  });
  return query === undefined ? undefined : { kind: picked.searchKind, query };
}

export function registerDataSetSearch(d: SearchDeps): vscode.Disposable[] {
  const { service, tree } = d;
  const reg = registerReportingCommand;

  return [
    reg('erase.searchExamples', async (arg?: unknown) => {
      const a = isSearchArgs(arg) ? arg : await askSearch();
      if (!a) return undefined;
      if (a.query.trim() === '' || a.query.length > MAX_SEARCH_QUERY) throw new Error(vscode.l10n.t('A search needs 1 to {0} characters', MAX_SEARCH_QUERY));
      const request: SearchRequest = { kind: a.kind, query: a.query, ignoreCase: a.ignoreCase ?? true };
      const limit = a.kind === 'near' ? NEAR_SEARCH_HITS : MAX_SEARCH_HITS;
      const r = await withCancellableProgress(
        vscode.l10n.t('Searching the data set'),
        (signal) => service.run((ws) => searchCapped(ws, request, limit, { signal }), false),
        vscode.ProgressLocation.Window,
      );
      tree.setSearch({ label: shown(a.query), kind: a.kind, ids: r.hits.map((h) => h.id), truncated: r.truncated });
      await vscode.commands.executeCommand('erase.dataSet.focus');
      return { hits: r.hits.length, truncated: r.truncated, message: tree.message() };
    }),
    reg('erase.clearSearch', () => tree.setSearch(undefined)),
    reg('erase.selectSearchHits', () => {
      const ids = [...(tree.currentSearch()?.ids ?? [])];
      if (!ids.length) {
        void vscode.window.showInformationMessage(vscode.l10n.t('No search hits to select: run ERASE: Search Examples… first.'));
        return undefined;
      }
      d.openWorkbench().select(ids);
      return { selected: ids.length };
    }),
  ];
}
