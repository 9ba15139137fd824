// "Import TSV/CSV…": the user picks the file and its text/label columns; core parses the table
// and writes the records (importTableFile) as JSONL next to the table; the extension
// points erase.dataFile at it and reports rows core skipped.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { importTableFile } from '../core';
import type { EraseService } from './eraseService';
import { log } from './log';
import { Keys, SECTION } from './settings';

export interface ImportArgs {
  file: string;
  textCol: string | number;
  labelCol?: string | number;
  header: boolean;
  out?: string;
}

export async function importTable(service: EraseService, arg?: vscode.Uri | ImportArgs): Promise<string | undefined> {
  const a = arg && !(arg instanceof vscode.Uri) ? arg : await askImport(arg);
  if (!a) return undefined;
  const out = a.out ?? a.file.replace(/\.(tsv|csv|txt)$/i, '') + '.jsonl';
  const res = importTableFile(a.file, out, { textCol: a.textCol, labelCol: a.labelCol, header: a.header });
  for (const p of res.problems.slice(0, 20)) log.warn(`${path.basename(a.file)}:${p.line}: ${p.message}`);
  log.info(`imported ${res.records.length} of ${res.rowsRead} rows from ${path.basename(a.file)} into ${path.basename(out)}`);
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(out));
  const rel = folder ? path.relative(folder.uri.fsPath, out) : out;
  await vscode.workspace.getConfiguration(SECTION, folder?.uri).update(Keys.dataFile, rel, vscode.ConfigurationTarget.Workspace);
  service.reset();
  void vscode.window.showInformationMessage(
    vscode.l10n.t('Imported {0} of {1} rows into {2}. Run "ERASE: Cluster Data Set" next.', res.records.length, res.rowsRead, path.basename(out)),
  );
  return out;
}

async function askImport(file?: vscode.Uri): Promise<ImportArgs | undefined> {
  const src =
    file ??
    (
      await vscode.window.showOpenDialog({ canSelectMany: false, filters: { [vscode.l10n.t('Tables')]: ['tsv', 'csv', 'txt'] }, title: vscode.l10n.t('Import a TSV/CSV data set') })
    )?.[0];
  if (!src) return undefined;
  const first = fs.readFileSync(src.fsPath, 'utf8').split(/\r?\n/, 1)[0] ?? '';
  const cells = first.split(path.extname(src.fsPath).toLowerCase() === '.csv' ? ',' : '\t');
  const header = (await vscode.window.showQuickPick([vscode.l10n.t('Yes'), vscode.l10n.t('No')], { title: vscode.l10n.t('Is the first row a header?') })) === vscode.l10n.t('Yes');
  // column choices show the header names (or the first row's cells, clipped, with their index)
  const choices = cells.map((c, i) => ({ label: header ? c : `${i}`, description: header ? `${i}` : c.slice(0, 40), col: header ? c : i }));
  const text = await vscode.window.showQuickPick(choices, { title: vscode.l10n.t('Column with the example text') });
  if (!text) return undefined;
  const label = await vscode.window.showQuickPick([{ label: vscode.l10n.t('(none)'), description: '', col: undefined as string | number | undefined }, ...choices], {
    title: vscode.l10n.t('Column with the label / answer'),
  });
  return { file: src.fsPath, textCol: text.col, labelCol: label?.col, header };
}
