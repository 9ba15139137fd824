// Entry point. Activation only wires things up: the data set is opened lazily on first use, the
// Ollama check runs after activation. Activation time is measured and logged.
// first: its module records when the bundle began to evaluate (the 'load' mark)
import { markOpen } from './openTimings';
import * as vscode from 'vscode';
import { isReachable, useEmbedWorkerScript } from '../core';
import { registerCommands } from './commands';
import { DataSetDiagnostics } from './diagnostics';
import { EraseService } from './eraseService';
import { initLog, log } from './log';
import { readSettings, SECTION } from './settings';
import { editorCopyChecked, setResidualsTree } from './eraseFlow';
import type { EditorCopyOutcome } from './editorCopy';
import { getLocalHistoryDir, ResidualsTree, setLocalHistoryDir } from './residuals';
import { EraseStatusBar } from './statusBar';
import { AuditLogTree, DeletionRequestsTree } from './trees/auditTrees';
import { DataSetTree } from './trees/dataSetTree';
import { registerDataSetSearch } from './trees/dataSetSearch';
import { statusView } from './views';
import { watchDataFile } from './watcher';
import { WorkbenchPanel, registerWorkbenchSerializer } from './workbench/panel';
import { answerConfirmations } from './confirm';
import { openWalkthroughOnFirstRun } from './walkthrough';
import { DeferredWork } from './deferredWork';

/** The refresh waits this long after activation: a command that activated the extension (Open Workbench) runs first. */
const REFRESH_GRACE_MS = 3000;
/** ...and for a workbench's first map, at most this long. */
const FIRST_MAP_CAP_MS = 15000;

export interface ExtensionApi {
  /** Milliseconds spent in activate(). */
  readonly activationMs: number;
  /** For tests and automation: feeds a raw message to the workbench router as if the webview sent it. */
  handleWebviewMessage(raw: unknown): Promise<unknown>;
  /** For tests: answers the host's modal confirmations (erasures the webview asks for, scans of untrusted folders); undefined restores the dialogs. */
  answerConfirmations(fn: ((message: string) => boolean) | undefined): void;
  /** Resolves after the data set was opened and the views/diagnostics were refreshed. */
  refreshed(): Promise<void>;
  /** For tests: resolves with what the check of the data file's open editor after the last erasure found. */
  editorCopyChecked(): Promise<EditorCopyOutcome>;
  /** Where VS Code keeps its Local History (`<user data dir>/User/History`), undefined if unknown. */
  readonly localHistoryDir: string | undefined;
  /** The tree providers, so tests and tools can read what the views show. */
  readonly views: { dataSet: DataSetTree; deletionRequests: DeletionRequestsTree; auditLog: AuditLogTree; residuals: ResidualsTree };
}

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const t0 = performance.now();
  markOpen('activate');
  initLog(context);
  useEmbedWorkerScript(vscode.Uri.joinPath(context.extensionUri, 'dist', 'embedWorker.js').fsPath);
  const service = new EraseService(context.secrets);
  const diagnostics = new DataSetDiagnostics();
  const statusBar = new EraseStatusBar();
  const dataSetTree = new DataSetTree(service);
  const deletionRequestsTree = new DeletionRequestsTree(service);
  const auditLogTree = new AuditLogTree(service);
  const residualsTree = new ResidualsTree();
  setLocalHistoryDir(context.globalStorageUri);
  setResidualsTree(residualsTree);
  const dataSetView = vscode.window.createTreeView('erase.dataSet', { treeDataProvider: dataSetTree, canSelectMany: true, showCollapseAll: true });
  dataSetTree.attach(dataSetView);
  let ollamaReachable: boolean | null = null;
  // the refresh parses the data set and the state synchronously (seconds at 60k): it waits for what the user asked for
  const deferred = new DeferredWork(REFRESH_GRACE_MS, FIRST_MAP_CAP_MS);
  let watcher: vscode.Disposable | undefined;
  let watchedFile = '';
  const openWorkbench = () => {
    markOpen('command');
    return WorkbenchPanel.show(context.extensionUri, service, () => ollamaReachable, deferred);
  };

  let lastRefresh: Promise<void> = Promise.resolve();
  const refresh = () =>
    (lastRefresh = (async () => {
      await deferred.whenFree();
      markOpen('refreshStart');
      const ws = await service.get().catch((e) => {
        log.error(`cannot open the data set: ${String((e as Error)?.message ?? e)}`);
        return undefined;
      });
      // opening took round trips to the workbench: a workbench opened meanwhile goes first (what follows is synchronous)
      await deferred.whenFree();
      markOpen('refreshWork'); // from here to refreshEnd: synchronous
      if (ws && ws.dataFile !== watchedFile) {
        watcher?.dispose();
        watchedFile = ws.dataFile;
        watcher = watchDataFile(service, vscode.Uri.file(ws.dataFile));
      }
      if (ws) {
        const st = ws.status();
        // the parsed data set itself: examples() would build a view of every example with its cluster;
        // with no duplicate (status counts them without loading it) there is nothing to load
        const duplicates =
          st.duplicates === 0
            ? []
            : ws
                .loadDataset()
                .examples.filter((e) => e.multiplicity > 1)
                .map((e) => ({ id: e.id, lines: e.lines }));
        diagnostics.update(vscode.Uri.file(ws.dataFile), { malformed: st.malformed, duplicates });
      } else diagnostics.clear();
      statusBar.update(statusView(ws, ollamaReachable));
      markOpen('refreshEnd');
    })());

  const checkOllama = async () => {
    ollamaReachable = await isReachable(readSettings().ollamaHost, 2000);
    void refresh();
  };

  context.subscriptions.push(
    service,
    diagnostics,
    statusBar,
    dataSetTree,
    dataSetView,
    deletionRequestsTree,
    auditLogTree,
    residualsTree,
    vscode.window.registerTreeDataProvider('erase.deletionRequests', deletionRequestsTree),
    vscode.window.registerTreeDataProvider('erase.auditLog', auditLogTree),
    vscode.window.registerTreeDataProvider('erase.residuals', residualsTree),
    { dispose: () => setResidualsTree(undefined) },
    ...registerCommands({ service, openWorkbench, dataSetSelection: () => dataSetView.selection, residuals: residualsTree }),
    ...registerDataSetSearch({ service, tree: dataSetTree, openWorkbench }),
    registerWorkbenchSerializer(context.extensionUri, service, () => ollamaReachable, deferred),
    service.onDidChange(() => void refresh()),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration(SECTION)) return;
      if (e.affectsConfiguration(`${SECTION}.dataFile`)) service.reset();
      else service.applySettings();
      if (e.affectsConfiguration(`${SECTION}.ollamaHost`)) void checkOllama();
      void refresh();
    }),
    { dispose: () => watcher?.dispose() },
  );

  // heavy-ish work after activation returns: open the data set, check Ollama
  setTimeout(() => {
    void refresh();
    void checkOllama();
    openWalkthroughOnFirstRun(context);
  }, 0);

  const activationMs = performance.now() - t0;
  log.info(`activated in ${activationMs.toFixed(1)} ms`);
  return {
    activationMs,
    views: { dataSet: dataSetTree, deletionRequests: deletionRequestsTree, auditLog: auditLogTree, residuals: residualsTree },
    handleWebviewMessage: async (raw) => {
      const panel = WorkbenchPanel.current ?? openWorkbench();
      return panel.router.handle(raw);
    },
    answerConfirmations,
    editorCopyChecked,
    localHistoryDir: getLocalHistoryDir(),
    refreshed: async () => {
      await new Promise((r) => setTimeout(r, 0));
      await lastRefresh;
    },
  };
}

export function deactivate(): void {}
