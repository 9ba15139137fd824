// Handles every message from the workbench webview. Each one is validated first
// (parseWebviewMessage); malformed messages are logged and, if they carry a request id, answered
// with an error reply. Requests call core through the EraseService; nothing is computed here.
import * as vscode from 'vscode';
import {
  completePrompt,
  selectorPrompt,
  listRequests,
  previewRequest,
  receiveRequest,
  refuseRequest,
  listModels,
  unlearningCost,
  verifyAndRecord,
  workspaceDashboard,
} from '../../core';
import { costView } from './costView';
import { EvalRunner } from './evalRunner';
import { PROTOCOL_VERSION, parseWebviewMessage, type HostMessage, type WebviewCommandMessage, type WebviewRequestMessage, type WebviewRequests } from '../../shared/protocol';
import type { EraseService } from '../eraseService';
import { log } from '../log';
import { withCancellableProgress } from '../progress';
import { openSettings, readSettings } from '../settings';
import { exampleDetail, previewView, receiptView, requestView } from '../views';
import { revealExample } from '../reveal';
import { eraseWithReceipt, executeRequestWithReceipt, matchingIds, refuseWhileDataFileDirty } from '../eraseFlow';
import { confirmModal } from '../confirm';
import { previewPrompt, promptView, savePromptView, settingsView } from './promptRequests';
import { notifyFailure } from '../failures';
import { describeForLegend, exampleRows, exportSelectionFlow, nearDuplicatesView, outliersView, searchForMap } from './explore';
import { completionsView, recordPlaygroundCompletion } from '../provenance';

/** Requests that change the data set or its records: their failures are shown, not only logged. */
const USER_ACTIONS: ReadonlySet<string> = new Set(['erase', 'runRequest', 'refuseRequest', 'exportSelection']);

export class WorkbenchRouter implements vscode.Disposable {
  private readonly streams = new Map<string, AbortController>();
  private readonly evals: EvalRunner;
  /** Set once the webview said `ready`; the host posts nothing before that. */
  ready = false;

  constructor(
    private readonly service: EraseService,
    private readonly post: (m: HostMessage) => Thenable<boolean> | void,
    private readonly onReady: () => void,
  ) {
    this.evals = new EvalRunner(service, post);
  }

  dispose(): void {
    this.evals.dispose();
    for (const c of this.streams.values()) c.abort();
    this.streams.clear();
  }

  async handle(raw: unknown): Promise<HostMessage | undefined> {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      log.warn(`rejected a webview message: ${parsed.error}`);
      if (parsed.requestId === undefined) return undefined;
      return this.reply({ kind: 'reply', id: parsed.requestId, ok: false, error: `rejected: ${parsed.error}` });
    }
    const m = parsed.message;
    if (m.kind === 'notification') {
      if (m.params.version !== PROTOCOL_VERSION) log.warn(`webview protocol ${m.params.version}, host ${PROTOCOL_VERSION}`);
      this.ready = true;
      this.onReady();
      return undefined;
    }
    if (m.kind === 'command') {
      await this.command(m).catch((e) => notifyFailure(vscode.l10n.t('ERASE'), e, `webview command ${m.method}`));
      return undefined;
    }
    try {
      const result = await this.request(m);
      return this.reply({ kind: 'reply', id: m.id, ok: true, result });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      log.warn(`webview request ${m.method} failed: ${msg}`);
      // The webview shows it in place too; an erasure's failure must also reach the user when the panel is hidden.
      if (USER_ACTIONS.has(m.method))
        notifyFailure(
          m.method === 'refuseRequest'
            ? vscode.l10n.t('Refusing the request failed')
            : m.method === 'exportSelection'
              ? vscode.l10n.t('Export failed')
              : vscode.l10n.t('Erasure failed'),
          e,
          `webview request ${m.method}`,
        );
      return this.reply({ kind: 'reply', id: m.id, ok: false, error: msg });
    }
  }

  private reply(r: HostMessage): HostMessage {
    void this.post(r);
    return r;
  }

  private async command(m: WebviewCommandMessage): Promise<void> {
    switch (m.method) {
      case 'revealExample':
        return revealExample(this.service, m.params.id);
      case 'cancelCompletion':
        this.streams.get(m.params.streamId)?.abort();
        return;
      case 'openSettings':
        await openSettings(m.params.query);
        return;
      case 'runCommand':
        await vscode.commands.executeCommand(m.params.command);
        return;
      case 'cancelEval':
        this.evals.cancel(m.params.runId);
        return;
    }
  }

  private async request(m: WebviewRequestMessage): Promise<WebviewRequests[typeof m.method]['result']> {
    switch (m.method) {
      case 'getExample': {
        const ws = await this.service.get();
        const d = ws && exampleDetail(ws, m.params.id);
        if (!d) throw new Error(vscode.l10n.t('No example with id {0}', m.params.id));
        return d;
      }
      case 'findExamples':
        return { ids: await this.service.run((ws) => matchingIds(ws, m.params.text), false) };
      case 'erase': {
        const n = m.params.ids.length;
        refuseWhileDataFileDirty(this.service);
        const ok = await confirmModal(
          vscode.l10n.t('Erase {0} example(s) selected in the ERASE Workbench? Their lines are removed from the data file. This cannot be undone.', n),
          vscode.l10n.t('Erase'),
        );
        if (!ok) throw new Error(vscode.l10n.t('Erasure cancelled: nothing was erased.'));
        const receipt = await eraseWithReceipt(this.service, m.params.ids, { requester: m.params.requester, reason: m.params.reason });
        return receiptView(receipt);
      }
      case 'verify':
      case 'verifyAndRecord':
        // Recorded as a `verify` audit entry (state unchanged); run as a change so the views and the dashboard refresh.
        return withCancellableProgress(vscode.l10n.t('Verifying exactness (retrain from scratch)'), (signal) => this.service.run((ws) => verifyAndRecord(ws, { signal })));
      case 'getDashboard':
        return this.service.run((ws) => workspaceDashboard(ws), false);
      case 'pickHeldoutFile':
        return this.evals.pickHeldoutFile();
      case 'runEval':
        return this.evals.run(m.params);
      case 'listModels': {
        const s = readSettings();
        const models = await listModels(s.ollamaHost, { timeoutMs: 5000 });
        return { models: models.map((x) => x.name), selected: s.ollamaModel };
      }
      case 'complete':
        return this.startCompletion(m.params);
      case 'getPromptSettings':
        return this.service.run((ws) => settingsView(ws), false);
      case 'previewPrompt':
        return this.service.run((ws) => previewPrompt(ws, m.params), false);
      case 'savePromptSettings':
        return this.service.run((ws) => savePromptView(ws, m.params), false);
      case 'listRequests':
        return { requests: (await this.service.run((ws) => listRequests(ws), false)).map((r) => requestView(r)) };
      case 'createRequest': {
        const p = m.params;
        const { record, preview } = await this.service.run((ws) =>
          receiveRequest(ws, {
            requester: p.requester,
            subjectRef: p.subjectRef || undefined,
            reason: p.reason || undefined,
            ...(p.match.kind === 'ids'
              ? { match: { kind: 'ids' as const }, ids: p.match.ids }
              : { match: { kind: p.match.kind, value: p.match.value, ignoreCase: p.match.ignoreCase } }),
            deadlineDays: p.deadlineDays,
          }),
        );
        log.info(`received deletion request ${record.requestId}: ${record.matchedCount} example(s) matched`);
        return { record: requestView(record), ...previewView(preview) };
      }
      case 'previewRequest':
        return previewView(await this.service.run((ws) => previewRequest(ws, m.params.requestId), false));
      case 'runRequest': {
        const n = (await this.service.run((ws) => previewRequest(ws, m.params.requestId), false)).length;
        refuseWhileDataFileDirty(this.service);
        const ok = await confirmModal(vscode.l10n.t('Execute deletion request {0}? {1} example(s) are erased from the data file.', m.params.requestId, n), vscode.l10n.t('Erase'));
        if (!ok) throw new Error(vscode.l10n.t('Erasure cancelled: nothing was erased.'));
        const { record, receipt } = await executeRequestWithReceipt(this.service, m.params.requestId);
        return { record: requestView(record), receipt: receiptView(receipt) };
      }
      case 'completionsUsing':
        return completionsView(this.service, m.params.id);
      case 'refuseRequest': {
        const record = await this.service.run((ws) => refuseRequest(ws, m.params.requestId, m.params.reason.trim()));
        log.info(`refused deletion request ${record.requestId}`);
        return { record: requestView(record) };
      }
      case 'unlearningCost':
        // Measured inputs come from the workspace (a missing timing is measured once, then cached in .erase/).
        return costView(await this.service.run((ws) => unlearningCost(ws, { overrides: m.params.overrides }), false));
      case 'describeClusters':
        return describeForLegend(this.service);
      case 'searchExamples':
        return searchForMap(this.service, m.params);
      case 'nearDuplicates':
        return nearDuplicatesView(this.service, m.params);
      case 'outliers':
        return outliersView(this.service, m.params);
      case 'listExamples':
        return exampleRows(this.service);
      case 'exportSelection':
        return exportSelectionFlow(this.service, m.params);
    }
  }

  /** Starts one column's stream; every column has its own streamId, so each is cancelled on its own. */
  private async startCompletion(p: WebviewRequests['complete']['params']): Promise<WebviewRequests['complete']['result']> {
    const { ollamaHost } = readSettings();
    const selector = p.selector ?? (p.withExamples === false ? 'zeroShot' : 'erase');
    const { prompt, generation } = await this.service.run(async (ws) => ({ prompt: await selectorPrompt(ws, selector, p.query), generation: ws.config.generation }), false);
    const ctrl = new AbortController();
    this.streams.get(p.streamId)?.abort();
    this.streams.set(p.streamId, ctrl);
    const t0 = performance.now();
    const chunk = (text: string, thinking?: true) =>
      void this.post({ kind: 'notification', method: 'completionChunk', params: { streamId: p.streamId, text, ...(thinking ? { thinking } : {}) } });
    void completePrompt({
      host: ollamaHost,
      model: p.model,
      prompt,
      generation,
      signal: ctrl.signal,
      onToken: (text) => chunk(text),
      onThinking: (text) => chunk(text, true),
    })
      .then(
        (r) => {
          log.info(`completion ${p.streamId} (${selector}): ${r.evalCount} tokens in ${(performance.now() - t0).toFixed(0)} ms`);
          const params = { streamId: p.streamId, promptEvalCount: r.promptEvalCount, evalCount: r.evalCount, ...(r.contextWarning ? { contextWarning: r.contextWarning } : {}) };
          void recordPlaygroundCompletion(this.service, p.model, prompt.ids, r.text);
          void this.post({ kind: 'notification', method: 'completionEnd', params });
        },
        (e: Error) => {
          const cancelled = e?.name === 'CancelledError';
          if (!cancelled) log.warn(`completion ${p.streamId} failed: ${e?.message}`);
          void this.post({ kind: 'notification', method: 'completionEnd', params: { streamId: p.streamId, ...(cancelled ? { cancelled } : { error: String(e?.message ?? e) }) } });
        },
      )
      .finally(() => this.streams.delete(p.streamId));
    return { ids: [...prompt.ids], prompt: promptView(prompt, generation) };
  }
}
