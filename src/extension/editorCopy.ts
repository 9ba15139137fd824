// The editor's own copy of the data file: an open buffer must never bring erased lines back.
//
// Rule: an erasure is refused while the data file has unsaved changes. A dirty buffer may hold the
// user's unrelated edits; merging the erasure into it silently, or reverting it, would either touch
// work we do not understand or throw it away, and saving it after the erasure would write the
// erased lines back to disk. "Save or revert the data file first" is the simplest rule that is
// always safe, and it keeps the user in charge of their edits.
//
// A clean buffer needs nothing from us in the normal case: VS Code's file watcher sees the
// rewrite and reloads it. When it does not (the file excluded from watching, the watcher out of
// handles), the buffer would keep the erased lines and a later edit-and-save would restore them;
// so after each erasure we check the buffer and, if it still holds erased ids, delete exactly those
// lines from it (the buffer then matches the file; saving it writes no erased line).
import * as path from 'node:path';
import * as vscode from 'vscode';
import { lineDeletions, linesToErase, UserError } from '../core';
import { log } from './log';

/** How long VS Code gets to reload a clean buffer after the file changed on disk. */
const RELOAD_WAIT_MS = 3000;

function samePath(a: string, b: string): boolean {
  const norm = (p: string) => (process.platform === 'win32' || process.platform === 'darwin' ? path.resolve(p).toLowerCase() : path.resolve(p));
  return norm(a) === norm(b);
}

/** The open document of the data file, if any. */
export function dataFileDocument(file: string): vscode.TextDocument | undefined {
  return vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'file' && !d.isClosed && samePath(d.uri.fsPath, file));
}

/** Throws (nothing erased yet) when the data file has unsaved changes in an editor. */
export function refuseIfDirty(file: string): void {
  const doc = dataFileDocument(file);
  if (doc?.isDirty) {
    throw new UserError(
      vscode.l10n.t(
        'Nothing was erased: {0} has unsaved changes in the editor. Save or revert the data file first, then erase again (saving it after the erasure would bring the erased lines back).',
        path.basename(file),
      ),
      'input',
    );
  }
}

export type EditorCopyOutcome = 'not-open' | 'reflects-file' | 'lines-removed' | 'stale';

/** The ranges that delete the given 1-based lines, as the file rewrite does (core's lineDeletions). */
function deletionRanges(doc: vscode.TextDocument, lines: readonly number[]): vscode.Range[] {
  return lineDeletions(lines, doc.lineCount).map((d) => new vscode.Range(d.startLine, 0, d.endLine, d.toLineEnd ? doc.lineAt(d.endLine).text.length : 0));
}

/** Resolves when `doc` no longer holds any of `ids`, or after `ms`; returns the lines still holding them. */
function waitForReload(doc: vscode.TextDocument, ids: readonly string[], ms: number): Promise<number[]> {
  const stale = () => linesToErase(doc.getText(), ids);
  if (stale().length === 0) return Promise.resolve([]);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      sub.dispose();
      resolve(doc.isClosed ? [] : stale());
    };
    const timer = setTimeout(done, ms);
    const sub = vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.document === doc && stale().length === 0) done();
    });
  });
}

/**
 * After an erasure: makes sure an open buffer of the data file holds none of the erased ids (see
 * the rule at the top). A buffer that became dirty while the erasure ran keeps the user's edits;
 * only the erased lines are deleted from it.
 */
export async function reconcileEditorCopy(file: string, erasedIds: readonly string[]): Promise<EditorCopyOutcome> {
  const doc = dataFileDocument(file);
  if (!doc || erasedIds.length === 0) return 'not-open';
  const lines = await waitForReload(doc, erasedIds, doc.isDirty ? 0 : RELOAD_WAIT_MS);
  if (lines.length === 0) return 'reflects-file';
  const edit = new vscode.WorkspaceEdit();
  for (const r of deletionRanges(doc, lines)) edit.delete(doc.uri, r);
  const applied = await vscode.workspace.applyEdit(edit);
  // line numbers and counts only
  log.warn(
    `the editor still showed ${lines.length} erased line(s) of ${path.basename(file)} after the erasure; ${applied ? 'deleted them from the buffer' : 'could not edit the buffer'}`,
  );
  if (!applied) {
    void vscode.window.showWarningMessage(
      vscode.l10n.t('The editor still shows erased lines of {0}. Revert the file (File: Revert File) and do not save this copy.', path.basename(file)),
    );
    return 'stale';
  }
  void vscode.window.showWarningMessage(
    vscode.l10n.t(
      'The editor had not reloaded {0} after the erasure: the erased lines were deleted from the open copy too. Save it or revert it; either way no erased line comes back.',
      path.basename(file),
    ),
  );
  return 'lines-removed';
}
