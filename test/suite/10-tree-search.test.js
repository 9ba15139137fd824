// ERASE: Search Examples… over the Data set tree (programmatic form, no prompts): the tree shows
// the hits the CLI finds for the same query, says how many, and forgets an erased hit at once.
// Runs last: it erases one example.
const assert = require('assert');
const path = require('path');
const vscode = require('vscode');
const { spawnSync } = require('child_process');
const { api, dataFile, waitFor, readDataSetTree, EXT_ID } = require('./helpers');

/** The installed CLI's search on the same data file (read-only). */
function cliSearch(...args) {
  const cli = path.join(vscode.extensions.getExtension(EXT_ID).extensionPath, 'dist', 'cli.js');
  const r = spawnSync(process.execPath, [cli, 'search', ...args, '--data', dataFile(), '--json'], { encoding: 'utf8', env: { ...process.env, NODE_PATH: '' } });
  assert.strictEqual(r.status, 0, `erase search: ${r.stderr}`);
  return JSON.parse(r.stdout).hits.map((h) => h.id);
}

suite('Data set tree search', () => {
  test('Search Examples shows the CLI’s hits, counts them in the view message, and forgets an erased hit', async () => {
    const a = await api();
    const tree = a.views.dataSet;
    await vscode.commands.executeCommand('erase.cluster');
    const expected = cliSearch('--regex', 'film|movie', '--ignore-case');
    assert.ok(expected.length >= 3, `the CLI finds ${expected.length}`);
    const r = await vscode.commands.executeCommand('erase.searchExamples', { kind: 'regex', query: 'film|movie' });
    assert.ok(r, 'the command answered');
    assert.strictEqual(r.hits, expected.length);
    assert.strictEqual(tree.message(), `${expected.length} hits for “film|movie” — Clear Search shows all examples again`);
    const shown = await readDataSetTree(tree);
    assert.deepStrictEqual(shown.examples.map((e) => e.node.id).sort(), [...expected].sort(), 'the tree lists the hits only');
    assert.strictEqual(shown.malformed.length, 0);
    for (const e of shown.examples) assert.deepStrictEqual(e.item.command && [e.item.command.command, ...e.item.command.arguments], ['erase.revealExample', e.node.id]);

    const victim = expected[0];
    const erased = await vscode.commands.executeCommand('erase.eraseSelected', { ids: [victim], requester: 'tree search test', confirm: false });
    assert.deepStrictEqual([...erased.erasedIds], [victim]);
    // at once, before any refresh: neither its id among the hits nor its text in the tree's cache
    assert.ok(!tree.currentSearch().ids.includes(victim), 'the erased hit left the search');
    assert.ok(!tree.byId.has(victim), 'the tree still holds the erased example');
    assert.strictEqual(tree.message(), `${expected.length - 1} hits for “film|movie” — Clear Search shows all examples again`);
    const after = await waitFor(async () => {
      const t = await readDataSetTree(tree);
      return t.examples.length === expected.length - 1 && t;
    }, 'the tree without the erased hit');
    assert.ok(!after.examples.some((e) => e.node.id === victim));

    await vscode.commands.executeCommand('erase.clearSearch');
    assert.strictEqual(tree.message(), undefined);
    const all = await readDataSetTree(tree);
    assert.ok(all.examples.length > expected.length, `all examples again: ${all.examples.length}`);
  });

  test('a hostile pattern is refused or bounded as in the workbench, and a refusal changes nothing', async () => {
    const tree = (await api()).views.dataSet;
    const t0 = Date.now();
    const r = await vscode.commands.executeCommand('erase.searchExamples', { kind: 'regex', query: '^(a+)+$' });
    assert.ok(r && r.hits === 0 && Date.now() - t0 < 10000, `answered ${JSON.stringify(r)} in ${Date.now() - t0} ms`);
    const refused = await vscode.commands.executeCommand('erase.searchExamples', { kind: 'regex', query: '(a)(?=b)' });
    assert.strictEqual(refused, undefined, 'a lookahead is refused (a one-line error, not a search)');
    assert.strictEqual(tree.message(), '0 hits for “^(a+)+$” — Clear Search shows all examples again');
    await vscode.commands.executeCommand('erase.clearSearch');
  });
});
