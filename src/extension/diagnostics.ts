// Malformed data-set lines go to the Problems panel; duplicated lines get a hint.
// Messages come from core and never quote the line's text.
import * as vscode from 'vscode';

export interface LineProblems {
  malformed: readonly { line: number; column: number; message: string }[];
  duplicates: readonly { id: string; lines: readonly number[] }[];
}

export class DataSetDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('erase');

  update(file: vscode.Uri, problems: LineProblems): void {
    const diags: vscode.Diagnostic[] = [];
    for (const m of problems.malformed) {
      const pos = new vscode.Position(Math.max(0, m.line - 1), Math.max(0, m.column - 1));
      const d = new vscode.Diagnostic(new vscode.Range(pos, pos.translate(0, 1)), m.message, vscode.DiagnosticSeverity.Error);
      d.source = 'ERASE';
      d.code = 'malformed-line';
      diags.push(d);
    }
    for (const dup of problems.duplicates) {
      for (const line of dup.lines.slice(1)) {
        const pos = new vscode.Position(line - 1, 0);
        const d = new vscode.Diagnostic(
          new vscode.Range(pos, pos.translate(0, 1)),
          vscode.l10n.t('Duplicate of line {0}: counted as one example with multiplicity {1}', dup.lines[0], dup.lines.length),
          vscode.DiagnosticSeverity.Information,
        );
        d.source = 'ERASE';
        d.code = 'duplicate-line';
        diags.push(d);
      }
    }
    this.collection.set(file, diags);
  }

  clear(): void {
    this.collection.clear();
  }

  dispose(): void {
    this.collection.dispose();
  }
}
