// The editor's own copies of erased data: an open, unsaved buffer of the data file (the erasure is
// refused until it is saved or reverted) and VS Code's Local History of the data file (listed in
// the Residual copies view and removable). Runs after 07: it erases pos-4 and pos-10.
const assert = require('assert');
const fs = require('fs');
const path = require('path');
const vscode = require('vscode');
const { api, dataFile, waitFor, residualNodes } = require('./helpers');

const POS_10 = 'charming, witty and surprisingly deep';

/** The residual scan started by the erasure with this request id. */
function scanOf(a, requestId) {
  return waitFor(
    async () => {
      const r = await a.views.residuals.running;
      return r && r.trigger.includes(requestId) && r;
    },
    `the residual scan of ${requestId}`,
    30000,
  );
}

suite("the editor's own copies of erased data", () => {
  teardown(async () => {
    (await api()).answerConfirmations(undefined);
  });

  test('an erasure is refused while the data file has unsaved changes; once reverted it erases and the editor shows the file', async () => {
    const a = await api();
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(dataFile()));
    const editor = await vscode.window.showTextDocument(doc);
    const last = doc.lineAt(doc.lineCount - 1);
    assert.ok(await editor.edit((eb) => eb.insert(last.range.end, '\n{"id":"typed-by-user","input":"an unsaved example the user is writing"}')));
    assert.ok(doc.isDirty, 'the buffer is dirty');
    const onDisk = fs.readFileSync(dataFile(), 'utf8');
    const edited = doc.getText();

    const refused = await vscode.commands.executeCommand('erase.eraseSelected', { ids: ['pos-4'], requester: 'editor test', confirm: false });
    assert.strictEqual(refused, undefined, 'the command reports no receipt');
    assert.strictEqual(fs.readFileSync(dataFile(), 'utf8'), onDisk, 'nothing was erased from the file');
    assert.ok(doc.isDirty, 'the buffer is still dirty');
    assert.strictEqual(doc.getText(), edited, "the user's unsaved edits are untouched");

    // revert, as the message asks, then erase again
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.files.revert');
    await waitFor(() => !doc.isDirty, 'the buffer reverted');
    const receipt = await vscode.commands.executeCommand('erase.eraseSelected', { ids: ['pos-4'], requester: 'editor test', confirm: false });
    assert.ok(receipt, 'erased once the buffer is clean');
    assert.deepStrictEqual([...receipt.erasedIds], ['pos-4']);
    assert.ok(!fs.readFileSync(dataFile(), 'utf8').includes('"id":"pos-4"'));
    const outcome = await a.editorCopyChecked();
    assert.ok(['reflects-file', 'lines-removed'].includes(outcome), `outcome ${outcome}`);
    await waitFor(() => !doc.getText().includes('"id":"pos-4"'), 'the open editor no longer shows the erased line');
    if (!doc.isDirty) assert.strictEqual(doc.getText(), fs.readFileSync(dataFile(), 'utf8'), 'a clean buffer equals the file');
    await scanOf(a, receipt.requestId); // let its scan finish before the next test starts one
    await vscode.window.showTextDocument(doc);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor'); // never a save prompt
  });

  test('Local History copies of the data file holding erased text are listed in their own group and can be removed', async () => {
    const a = await api();
    const history = a.localHistoryDir;
    assert.ok(history, 'the extension knows where VS Code keeps its Local History');
    assert.strictEqual(path.basename(history), 'History');
    assert.strictEqual(path.basename(path.dirname(history)), 'User');
    // scripts/test-vscode.sh runs code-server with --user-data-dir <run>/ud beside the workspace copy <run>/ws
    const harnessUserData = path.join(path.dirname(path.dirname(dataFile())), 'ud');
    if (fs.existsSync(harnessUserData)) assert.strictEqual(history, path.join(harnessUserData, 'User', 'History'), 'found from the configured user data dir');

    // As VS Code writes it: History/<folder>/entries.json naming the resource, one file per save.
    const mine = path.join(history, 'erase-suite-data');
    const other = path.join(history, 'erase-suite-other');
    const copy = fs.readFileSync(dataFile(), 'utf8');
    assert.ok(copy.includes(POS_10), 'the saved copy holds the text about to be erased');
    fs.mkdirSync(mine, { recursive: true });
    fs.writeFileSync(path.join(mine, 'Ab12.jsonl'), copy);
    fs.writeFileSync(path.join(mine, 'Zz00.jsonl'), '{"id":"early","input":"saved before any of this was written"}\n');
    fs.writeFileSync(
      path.join(mine, 'entries.json'),
      JSON.stringify({
        version: 1,
        resource: vscode.Uri.file(dataFile()).toString(),
        entries: [
          { id: 'Zz00.jsonl', timestamp: 1000 },
          { id: 'Ab12.jsonl', source: 'saved', timestamp: 2000 },
        ],
      }),
    );
    fs.mkdirSync(other, { recursive: true });
    fs.writeFileSync(path.join(other, 'Cd34.md'), `${POS_10}\n`);
    fs.writeFileSync(
      path.join(other, 'entries.json'),
      JSON.stringify({ version: 1, resource: vscode.Uri.file(path.join(path.dirname(dataFile()), 'README.md')).toString(), entries: [{ id: 'Cd34.md' }] }),
    );

    try {
      const receipt = await vscode.commands.executeCommand('erase.eraseSelected', { ids: ['pos-10'], requester: 'local history test', confirm: false });
      assert.deepStrictEqual([...receipt.erasedIds], ['pos-10']);
      const res = await scanOf(a, receipt.requestId);
      const copies = res.report.localHistory || [];
      // The planted copy is found; VS Code's own Local History may hold real copies of the data
      // file too (earlier tests saved it in the editor): every listed copy must be of the data file.
      assert.ok(
        copies.some((c) => path.basename(c.folder) === 'erase-suite-data' && c.entryId === 'Ab12.jsonl'),
        `the planted copy with erased text: ${JSON.stringify(copies)}`,
      );
      assert.ok(!copies.some((c) => c.folder === other), "another file's history is not listed");
      for (const c of copies) {
        const resource = JSON.parse(fs.readFileSync(path.join(c.folder, 'entries.json'), 'utf8')).resource;
        assert.strictEqual(vscode.Uri.parse(resource).fsPath, dataFile(), `${c.folder} is the data file's history`);
      }

      const nodes = await residualNodes(a.views.residuals);
      const group = nodes.find((n) => n.node.kind === 'group' && n.node.group === 'local-history');
      assert.ok(group, 'a group of its own');
      assert.strictEqual(group.item.label, 'VS Code Local History');
      assert.strictEqual(group.item.contextValue, 'residualLocalHistory', 'the remove action is offered on the group');
      const rows = await a.views.residuals.getChildren(group.node);
      const labels = rows.map((r) => a.views.residuals.getTreeItem(r).label);
      assert.ok(labels.includes('History/erase-suite-data/Ab12.jsonl'), JSON.stringify(labels));
      assert.strictEqual(labels.length, copies.length);
      const summary = nodes.find((n) => n.node.kind === 'summary');
      assert.match(summary.item.label, /residual copy\(ies\) found/);
      const all = nodes.map((n) => n.text).join('\n');
      assert.ok(!all.includes(POS_10) && !/surprisingly/.test(all), 'the view never shows the erased text');

      // declining the modal removes nothing
      a.answerConfirmations(() => false);
      assert.strictEqual(await vscode.commands.executeCommand('erase.removeLocalHistoryCopies'), undefined);
      assert.ok(fs.existsSync(path.join(mine, 'Ab12.jsonl')));

      let asked = '';
      a.answerConfirmations((m) => {
        asked = m;
        return true;
      });
      const removed = await vscode.commands.executeCommand('erase.removeLocalHistoryCopies');
      assert.strictEqual(removed.removed, copies.length, JSON.stringify(removed));
      assert.match(asked, /Local History/);
      assert.ok(!fs.existsSync(path.join(mine, 'Ab12.jsonl')), 'the copy with erased text is gone');
      assert.ok(fs.existsSync(path.join(mine, 'Zz00.jsonl')), 'the older save without it is kept');
      assert.deepStrictEqual(
        JSON.parse(fs.readFileSync(path.join(mine, 'entries.json'), 'utf8')).entries.map((e) => e.id),
        ['Zz00.jsonl'],
      );
      assert.ok(fs.existsSync(path.join(other, 'Cd34.md')), "another file's history is never touched");
      assert.strictEqual((await a.views.residuals.getChildren()).filter((n) => n.kind === 'group' && n.group === 'local-history').length, 0, 'the group is gone from the view');
    } finally {
      fs.rmSync(mine, { recursive: true, force: true });
      fs.rmSync(other, { recursive: true, force: true });
    }
  });
});
