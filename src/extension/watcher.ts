// Watches the data file: hand edits (and edits by other tools) are reconciled by core, debounced.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EraseService } from './eraseService';
import { log } from './log';

export function watchDataFile(service: EraseService, file: vscode.Uri): vscode.Disposable {
  const pattern = new vscode.RelativePattern(vscode.Uri.file(path.dirname(file.fsPath)), path.basename(file.fsPath));
  const watcher = vscode.workspace.createFileSystemWatcher(pattern);
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void service.reconcile().catch((e: unknown) => log.error(`reconcile failed: ${String((e as Error)?.message ?? e)}`));
    }, 300);
  };
  watcher.onDidChange(schedule);
  watcher.onDidCreate(schedule);
  watcher.onDidDelete(() => service.reset());
  return {
    dispose: () => {
      if (timer) clearTimeout(timer);
      watcher.dispose();
    },
  };
}
