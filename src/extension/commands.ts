// Command handlers. Each is a few lines of glue: ask the user, call core through EraseService
// under cancellable progress, report. Handlers also return their result so scripts can use them.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { genesisPems, verifyLog, completePrompt, type EraseWorkspace, loadMeta, previewRequest, refuseRequest, scanWorkspace, recordAuditCheck, verifyAndRecord } from '../core';
import type { EraseService } from './eraseService';
import { eraseWithReceipt, executeRequestWithReceipt, matchingIds, refuseWhileDataFileDirty, type EraseMeta } from './eraseFlow';
import { registerReportingCommand } from './failures';
import { importTable } from './importFlow';
import { log } from './log';
import { currentModel, ensureModel, ensureReachable, pickModel } from './ollama';
import { withCancellableProgress } from './progress';
import { scanScope, type ResidualsTree } from './residuals';
import { revealExample } from './reveal';
import { readSettings } from './settings';
import { selectedExampleIds } from './trees/dataSetTree';

/** Programmatic form of the erase commands (automation, tests): skips the prompts it answers. */
export interface EraseArgs {
  ids?: string[];
  text?: string;
  requester?: string;
  reason?: string;
  confirm?: boolean;
}
const isEraseArgs = (a: unknown): a is EraseArgs => !!a && typeof a === 'object' && ('ids' in a || 'text' in a);
/** Programmatic form of the request commands; a tree node ({requestId}) works too. */
export interface RequestArgs {
  requestId: string;
  reason?: string;
  confirm?: boolean;
  verify?: boolean;
}
const asRequestArgs = (a: unknown): RequestArgs | undefined =>
  a && typeof a === 'object' && typeof (a as RequestArgs).requestId === 'string' ? (a as RequestArgs) : typeof a === 'string' ? { requestId: a } : undefined;

export interface CommandDeps {
  service: EraseService;
  openWorkbench: () => void;
  dataSetSelection: () => readonly unknown[];
  residuals: ResidualsTree;
}

export function registerCommands(d: CommandDeps): vscode.Disposable[] {
  const { service } = d;
  const reg = registerReportingCommand;

  return [
    reg('erase.showLog', () => log.show()),
    reg('erase.openWorkbench', () => d.openWorkbench()),
    reg('erase.refresh', () => service.reset()),
    reg('erase.revealExample', (id: unknown) => (typeof id === 'string' ? revealExample(service, id) : undefined)),
    reg('erase.importData', (file?: vscode.Uri) => importTable(service, file)),

    reg('erase.cluster', () => {
      service.applySettings();
      return withCancellableProgress(vscode.l10n.t('Clustering the data set'), async (signal, report) => {
        const r = await service.run((ws) => ws.cluster({ signal, onProgress: (phase, done, total) => report(phase, done, total) }));
        log.info(`clustered n=${r.n} k=${r.k} in ${r.iterations} iterations, ${r.ms.toFixed(0)} ms, state ${r.stateHash.slice(0, 16)}`);
        void vscode.window.setStatusBarMessage(vscode.l10n.t('ERASE: {0} examples in {1} clusters', r.n, r.k), 5000);
        return r;
      });
    }),

    reg('erase.eraseSelected', async (node?: unknown, nodes?: unknown) => {
      if (isEraseArgs(node)) return eraseIds(node.ids ?? [], node);
      const picked = Array.isArray(nodes) && nodes.length ? nodes : node ? [node] : d.dataSetSelection();
      const ids = typeof node === 'string' ? [node] : selectedExampleIds(picked);
      if (!ids.length) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Select one or more examples in the Data set view first.'));
        return undefined;
      }
      return eraseIds(ids, {});
    }),

    reg('erase.eraseByText', async (arg?: unknown) => {
      const a: EraseArgs = isEraseArgs(arg) ? arg : {};
      const text =
        a.text ??
        (await vscode.window.showInputBox({
          title: vscode.l10n.t('Erase examples matching text'),
          prompt: vscode.l10n.t('Every example whose input or output contains this text (ignoring case)'),
          ignoreFocusOut: true,
        }));
      if (!text) return undefined;
      let ids = await service.run((ws) => matchingIds(ws, text), false);
      if (!ids.length) {
        void vscode.window.showInformationMessage(vscode.l10n.t('No example matches that text.'));
        return undefined;
      }
      if (a.confirm !== false) {
        const ws = await service.get();
        const items = ids.map((id) => ({
          label: id,
          description: ws
            ?.examples()
            .find((e) => e.id === id)
            ?.input.slice(0, 100),
          picked: true,
        }));
        const chosen = await vscode.window.showQuickPick(items, { canPickMany: true, title: vscode.l10n.t('{0} matching example(s): choose what to erase', ids.length) });
        if (!chosen?.length) return undefined;
        ids = chosen.map((c) => c.label);
      }
      return eraseIds(ids, { ...a, match: { kind: 'text', value: text, ignoreCase: true } });
    }),

    reg('erase.runRequest', async (arg?: unknown) => {
      const a = asRequestArgs(arg);
      if (!a) return undefined;
      refuseWhileDataFileDirty(service);
      if (a.confirm !== false) {
        const n = await service.run((ws) => previewCount(ws, a.requestId), false);
        const yes = vscode.l10n.t('Erase');
        const ok = await vscode.window.showWarningMessage(
          vscode.l10n.t('Execute deletion request {0}? {1} example(s) are erased from the data file.', a.requestId, n),
          { modal: true },
          yes,
        );
        if (ok !== yes) return undefined;
      }
      return executeRequestWithReceipt(service, a.requestId, { verify: a.verify });
    }),

    reg('erase.refuseRequest', async (arg?: unknown) => {
      const a = asRequestArgs(arg);
      if (!a) return undefined;
      const reason =
        a.reason ??
        (await vscode.window.showInputBox({
          title: vscode.l10n.t('Refuse deletion request {0}', a.requestId),
          prompt: vscode.l10n.t('Reason (stored in the request record and the audit log), e.g. a legal hold'),
          ignoreFocusOut: true,
          validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('A reason is required')),
        }));
      if (!reason?.trim()) return undefined;
      const record = await service.run((ws) => refuseRequest(ws, a.requestId, reason.trim()));
      log.info(`refused deletion request ${a.requestId}`);
      return record;
    }),

    reg('erase.exportAuditKeys', async (arg?: unknown) => {
      await service.get();
      const ks = service.keyStore();
      if (!ks) throw new Error(vscode.l10n.t('No ERASE data set in this workspace. Import a TSV/CSV file or set erase.dataFile.'));
      if (!(arg && typeof arg === 'object' && (arg as { confirm?: boolean }).confirm === false)) {
        const yes = vscode.l10n.t('Export keys');
        const ok = await vscode.window.showWarningMessage(
          vscode.l10n.t(
            'Write the audit keys to {0}? They are secrets: whoever has the HMAC key can test guesses against the audit log, and the signing key can sign checkpoints. The files are readable by you only (0600); keep them out of version control and backups you do not control.',
            path.relative(path.dirname(path.dirname(ks.keysDir)), ks.keysDir),
          ),
          { modal: true },
          yes,
        );
        if (ok !== yes) return undefined;
      }
      const files = await ks.exportToFiles();
      log.info(`exported the audit keys to ${ks.keysDir} for the CLI`);
      void vscode.window.showInformationMessage(vscode.l10n.t('Audit keys written to {0} (mode 0600). The erase CLI uses them from now on.', ks.keysDir));
      return files;
    }),

    reg('erase.verifyAuditLog', () =>
      service.run(async (ws) => {
        // The genesis key comes from the key store when it holds it (not from the copy stored beside the log);
        // keys added later come from the log's own key entries.
        const own = [(await ws.keyStore.getOrCreateSigningKey()).publicKeyPem, ...((await ws.keyStore.otherSigningKeys?.()) ?? []).map((k) => k.publicKeyPem)];
        const head = loadMeta(ws.paths)?.auditHead;
        const r = await verifyLog(ws.paths.auditDir, { keys: { publicKeyPem: genesisPems(ws.paths.auditDir, own) }, ...(head ? { expectedHead: head } : {}) });
        recordAuditCheck(ws.paths, r, new Date().toISOString()); // the dashboard's "last audit verify" (beside the log, not in it)
        const resets = r.keyChanges.filter((c) => c.action === 'key-reset').length;
        log.info(`audit verify: ok=${r.ok} size=${r.size} problems=${r.problems.length} key changes=${r.keyChanges.length}`);
        if (r.ok && resets > 0)
          void vscode.window.showWarningMessage(
            vscode.l10n.t(
              'Audit log intact: {0} entries, root {1}. It records {2} key reset(s) (a signer with none of the earlier keys); the audit export lists them.',
              r.size,
              r.rootHash.slice(0, 16),
              resets,
            ),
          );
        else if (r.ok) void vscode.window.showInformationMessage(vscode.l10n.t('Audit log intact: {0} entries, root {1}.', r.size, r.rootHash.slice(0, 16)));
        else void vscode.window.showErrorMessage(vscode.l10n.t('Audit log check failed: {0} problem(s). See the ERASE log.', r.problems.length));
        for (const p of r.problems) log.warn(`audit problem: ${JSON.stringify(p)}`);
        for (const w of r.warnings) log.info(`audit note: ${w}`);
        return r;
      }),
    ),

    reg('erase.scanResiduals', async (arg?: unknown) => {
      const given = arg && typeof arg === 'object' && typeof (arg as { text?: unknown }).text === 'string' ? (arg as { text: string }).text : undefined;
      const text =
        given ??
        (await vscode.window.showInputBox({
          title: vscode.l10n.t('Scan for residual copies'),
          prompt: vscode.l10n.t('Text to look for in the workspace files, .erase/ and git history (not stored, not logged)'),
          password: true,
          ignoreFocusOut: true,
        }));
      if (!text) return undefined;
      const ws = await service.run((w) => w, false);
      const scope = scanScope(ws);
      // core's workspace scan: the folder, .erase/, git history and the data file's Local History
      const r = await d.residuals.show((signal) => scanWorkspace(ws, [text], { ...scope, signal }), 1, scope, vscode.l10n.t('manual scan'));
      if (r && !r.report.hits.length && !r.report.localHistory?.length)
        void vscode.window.showInformationMessage(
          vscode.l10n.t('No copy of that text was found ({0} file(s), {1} revision(s) scanned).', r.report.filesScanned, r.report.revisionsScanned),
        );
      if (r) void vscode.commands.executeCommand('erase.residuals.focus');
      return r;
    }),

    reg('erase.removeLocalHistoryCopies', () => d.residuals.removeLocalHistory()),

    reg('erase.verify', () =>
      withCancellableProgress(vscode.l10n.t('Verifying exactness: retraining from scratch'), async (signal) => {
        // Recorded as a `verify` audit entry (the state is unchanged); a change, so the views refresh.
        const r = await service.run((ws) => verifyAndRecord(ws, { signal }));
        log.info(`verify: equal=${r.equal} state ${r.stateHash.slice(0, 16)} scratch ${r.scratchHash.slice(0, 16)} in ${r.ms.toFixed(0)} ms`);
        if (r.equal) void vscode.window.showInformationMessage(vscode.l10n.t('Exact: the state equals a retrain from scratch ({0}).', r.stateHash.slice(0, 16)));
        else void vscode.window.showErrorMessage(vscode.l10n.t('Not exact: state {0} differs from retrain {1}.', r.stateHash.slice(0, 16), r.scratchHash.slice(0, 16)));
        return r;
      }),
    ),

    reg('erase.pickModel', () => pickModel()),

    reg('erase.complete', async (queryArg?: unknown) => {
      const { ollamaHost } = readSettings();
      const query =
        typeof queryArg === 'string'
          ? queryArg
          : await vscode.window.showInputBox({
              title: vscode.l10n.t('Complete with the ERASE prompt'),
              prompt: vscode.l10n.t('Query appended after the examples'),
              ignoreFocusOut: true,
            });
      if (query === undefined) return undefined;
      if (!(await ensureReachable(ollamaHost))) return undefined;
      const model = await currentModel();
      if (!model || !(await ensureModel(ollamaHost, model))) return undefined;
      const { prompt, generation } = await service.run(async (ws) => ({ prompt: await ws.prompt(query), generation: ws.config.generation }), false);
      const r = await withCancellableProgress(vscode.l10n.t('{0} is answering', model), (signal, report) => {
        let shown = '';
        return completePrompt({ host: ollamaHost, model, prompt, generation, signal, onToken: (t) => report((shown = (shown + t).slice(-60))) });
      });
      const doc = await vscode.workspace.openTextDocument({
        language: 'markdown',
        content: `${r.text}\n\n---\n${vscode.l10n.t('Examples in the prompt')}: ${prompt.ids.join(', ')}\n`,
      });
      if (typeof queryArg !== 'string') await vscode.window.showTextDocument(doc, { preview: true });
      return { text: r.text, ids: prompt.ids, model };
    }),
  ];

  async function eraseIds(ids: string[], a: EraseArgs & { match?: EraseMeta['match'] }) {
    let meta: EraseMeta = { requester: a.requester, reason: a.reason, match: a.match };
    refuseWhileDataFileDirty(service);
    if (a.confirm !== false) {
      const requester = await vscode.window.showInputBox({
        title: vscode.l10n.t('Deletion request'),
        prompt: vscode.l10n.t('Who asked for this erasure? (optional, stored in the audit log)'),
        ignoreFocusOut: true,
      });
      if (requester === undefined) return undefined;
      const yes = vscode.l10n.t('Erase');
      const ok = await vscode.window.showWarningMessage(
        vscode.l10n.t('Erase {0} example(s) from the data set? Their lines are removed from the file.', ids.length),
        { modal: true },
        yes,
      );
      if (ok !== yes) return undefined;
      meta = { ...meta, requester: requester || undefined };
    }
    return eraseWithReceipt(service, ids, meta);
  }
}

const previewCount = (ws: EraseWorkspace, requestId: string) => previewRequest(ws, requestId).length;
