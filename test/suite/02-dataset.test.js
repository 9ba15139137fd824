// The fixture data set in the real host: diagnostics for the malformed line, clustering through
// the command, and what the Data set tree shows.
const assert = require('assert');
const vscode = require('vscode');
const { api, dataFile, waitFor, readDataSetTree } = require('./helpers');

suite('data set', () => {
  test('a malformed line shows up in the Problems panel (and duplicates as information)', async () => {
    await api();
    const uri = vscode.Uri.file(dataFile());
    const diags = await waitFor(() => {
      const d = vscode.languages.getDiagnostics(uri);
      return d.some((x) => x.code === 'malformed-line') && d;
    }, 'malformed-line diagnostic');
    const errors = diags.filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
    assert.deepStrictEqual(
      errors.map((d) => d.range.start.line + 1),
      [11],
    );
    assert.ok(!errors[0].message.includes('not valid json'), 'the message does not quote the line');
    const dups = diags.filter((d) => d.code === 'duplicate-line');
    assert.strictEqual(dups.length, 1, 'one extra copy of the duplicated line');
  });

  test('ERASE: Cluster Data Set clusters the fixture with the workspace settings', async () => {
    const report = await vscode.commands.executeCommand('erase.cluster');
    assert.ok(report, 'the command returns the cluster report');
    assert.strictEqual(report.k, 4);
    assert.strictEqual(report.n, 31, '30 examples, one with multiplicity 2');
    assert.match(report.stateHash, /^[0-9a-f]{16,}$/);
  });

  test('the Data set tree shows clusters → examples, representatives and the malformed line', async () => {
    const a = await api();
    const t = await waitFor(async () => {
      const r = await readDataSetTree(a.views.dataSet);
      return r.clusters.length && !r.clusters.some((c) => /Not clustered/.test(c.label)) && r;
    }, 'clustered tree');
    assert.ok(t.clusters.length >= 1 && t.clusters.length <= 4, `clusters: ${t.clusters.length}`);
    assert.strictEqual(t.examples.length, 30);
    const reps = t.examples.filter((e) => e.item.contextValue === 'example.representative');
    assert.strictEqual(reps.length, t.clusters.length, 'one representative per non-empty cluster');
    assert.ok(reps.every((e) => e.item.iconPath.id === 'star-full'));
    const dup = t.examples.find((e) => /duplicate ×2/.test(e.item.description));
    assert.ok(dup, 'the duplicated line is marked');
    assert.deepStrictEqual(
      t.malformed.map((m) => m.label),
      ['line 11'],
    );
    const hostile = t.examples.find((e) => e.node.id === 'hostile-img');
    assert.strictEqual(hostile.item.command.command, 'erase.revealExample');
  });

  test('revealing an example opens the data file at its line', async () => {
    await vscode.commands.executeCommand('erase.revealExample', 'neg-1');
    const ed = vscode.window.activeTextEditor;
    assert.ok(ed && ed.document.uri.fsPath === dataFile());
    assert.match(ed.document.lineAt(ed.selection.start.line).text, /"neg-1"/);
  });
});
