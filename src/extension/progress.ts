// Long work runs under window.withProgress with a Cancel button whose token aborts an
// AbortController: the signal reaches core (clustering loops, HTTP requests) and really stops it.
import * as vscode from 'vscode';

export type Report = (message: string, done?: number, total?: number) => void;

export function withCancellableProgress<T>(
  title: string,
  task: (signal: AbortSignal, report: Report) => Promise<T>,
  location: vscode.ProgressLocation = vscode.ProgressLocation.Notification,
): Thenable<T> {
  return vscode.window.withProgress({ location, title, cancellable: true }, async (progress, token) => {
    const ctrl = new AbortController();
    const sub = token.onCancellationRequested(() => ctrl.abort());
    let lastPct = 0;
    const report: Report = (message, done, total) => {
      if (done === undefined || !total) return progress.report({ message });
      const pct = Math.min(100, (100 * done) / total);
      progress.report({ message: `${message} ${done}/${total}`, increment: Math.max(0, pct - lastPct) });
      lastPct = Math.max(lastPct, pct);
    };
    try {
      return await task(ctrl.signal, report);
    } finally {
      sub.dispose();
    }
  });
}

export function isCancelled(e: unknown): boolean {
  return e instanceof Error && (e.name === 'CancelledError' || e.name === 'AbortError');
}
