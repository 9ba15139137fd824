// Opens the data file at an example's first line and selects that line.
import * as vscode from 'vscode';
import type { EraseService } from './eraseService';

export async function revealExample(service: EraseService, id: string): Promise<void> {
  const ws = await service.get();
  const ex = ws?.examples().find((e) => e.id === id);
  if (!ws || !ex) return;
  await revealLine(vscode.Uri.file(ws.dataFile), ex.lines[0] ?? 1);
}

export async function revealLine(file: vscode.Uri, line: number): Promise<void> {
  const doc = await vscode.workspace.openTextDocument(file);
  const l = Math.min(Math.max(0, line - 1), doc.lineCount - 1);
  const range = doc.lineAt(l).range;
  await vscode.window.showTextDocument(doc, { selection: range, preview: true });
}
