// The workbench's Evaluate tab on the host side: picks the held-out file (the path stays here, the
// webview only learns its name), runs core's runEval with progress and cancel, and turns the
// report into the view (figures and the chart geometry core computes; no example text, no ids).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { accuracyChart, runEval, SELECTOR_LABELS, SELECTORS, type EvalReport } from '../../core';
import type { EvalParams, EvalView, HostMessage } from '../../shared/protocol';
import type { EraseService } from '../eraseService';
import { log } from '../log';
import { readSettings } from '../settings';

export function evalView(r: EvalReport): EvalView {
  return {
    model: r.model,
    n: r.n,
    poolSize: r.poolSize,
    labels: [...r.labels],
    seeds: r.seeds,
    rows: SELECTORS.map((s) => {
      const m = r.modes[s];
      return {
        selector: s,
        label: SELECTOR_LABELS[s],
        accuracy: m.accuracy,
        ci95: [m.ci95[0], m.ci95[1]],
        n: m.n,
        promptTokens: m.promptTokens,
        promptTokensOverZeroShot: m.promptTokensOverZeroShot,
        msPerQuery: m.msPerQuery,
      };
    }),
    chart: accuracyChart(r),
  };
}

export class EvalRunner implements vscode.Disposable {
  private heldoutFile: string | undefined;
  private readonly runs = new Map<string, AbortController>();

  constructor(
    private readonly service: EraseService,
    private readonly post: (m: HostMessage) => Thenable<boolean> | void,
  ) {}

  async pickHeldoutFile(): Promise<{ name: string | null }> {
    const picked = await vscode.window.showOpenDialog({
      title: vscode.l10n.t('Labelled held-out examples (JSONL in the data-set format)'),
      canSelectMany: false,
      filters: { [vscode.l10n.t('JSON Lines')]: ['jsonl', 'json'] },
    });
    if (!picked?.length) return { name: this.heldoutFile ? path.basename(this.heldoutFile) : null };
    this.heldoutFile = picked[0].fsPath;
    return { name: path.basename(this.heldoutFile) };
  }

  /** Queued with the other workspace operations: an erasure waits until the run ends or is cancelled, so no erased text can reach a later prompt. */
  async run(p: EvalParams): Promise<EvalView> {
    if ((p.split === undefined) === !p.heldout) throw new Error(vscode.l10n.t('Choose either a held-out file or a split fraction.'));
    if (p.heldout && !this.heldoutFile) throw new Error(vscode.l10n.t('Pick a held-out file first.'));
    const ctrl = new AbortController();
    this.runs.get(p.runId)?.abort();
    this.runs.set(p.runId, ctrl);
    const { ollamaHost, ollamaModel } = readSettings();
    const t0 = performance.now();
    try {
      const report = await this.service.run(
        (ws) =>
          runEval(ws, {
            heldoutFile: p.heldout ? this.heldoutFile : undefined,
            split: p.split,
            seeds: p.seeds,
            limit: p.limit,
            model: ollamaModel,
            host: ollamaHost,
            signal: ctrl.signal,
            onProgress: (done, total) => void this.post({ kind: 'notification', method: 'evalProgress', params: { runId: p.runId, done, total } }),
          }),
        false,
      );
      log.info(
        `eval ${p.runId}: ${report.n} queries, model ${report.model}, ERASE accuracy ${(100 * report.modes.erase.accuracy).toFixed(1)}% in ${(performance.now() - t0).toFixed(0)} ms`,
      );
      return evalView(report);
    } finally {
      this.runs.delete(p.runId);
    }
  }

  cancel(runId: string): void {
    this.runs.get(runId)?.abort();
  }

  dispose(): void {
    for (const c of this.runs.values()) c.abort();
    this.runs.clear();
  }
}
