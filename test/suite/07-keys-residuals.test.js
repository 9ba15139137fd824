// Audit keys in SecretStorage (no key files unless exported) and the residual-copy scan after an
// erasure. Runs last: it erases from the workspace and writes key files at the end.
const assert = require('assert');
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const vscode = require('vscode');
const { api, dataFile, waitFor, residualNodes } = require('./helpers');

const root = () => path.dirname(dataFile());
const keysDir = () => path.join(root(), '.erase', 'keys');
const keyFiles = () => (fs.existsSync(keysDir()) ? fs.readdirSync(keysDir()) : []);
const COPIED = 'a tedious exercise in style over substance'; // neg-7, quoted in notes/review-draft.md line 3

suite('audit keys and residual copies', () => {
  test('erasures from the extension left no key files in .erase/keys', async () => {
    await api();
    assert.ok(fs.existsSync(path.join(root(), '.erase', 'audit')), 'the audit log exists');
    assert.deepStrictEqual(keyFiles(), [], 'keys live in SecretStorage, not in files');
  });

  test('ERASE: Verify Audit Log passes with the public key from SecretStorage', async () => {
    const r = await vscode.commands.executeCommand('erase.verifyAuditLog');
    assert.ok(r, 'a report');
    assert.strictEqual(r.ok, true, JSON.stringify(r.problems));
    assert.ok(r.size >= 4, `entries: ${r.size}`);
    assert.ok(r.latestCheckpoint, 'a signed checkpoint was checked');
    assert.deepStrictEqual(keyFiles(), [], 'verifying creates no key files');
  });

  test('after an erasure the scan finds the copy in another file and in git history, never showing the text', async () => {
    const a = await api();
    const receipt = await vscode.commands.executeCommand('erase.eraseSelected', { ids: ['neg-7'], requester: 'residual test', confirm: false });
    assert.deepStrictEqual([...receipt.erasedIds], ['neg-7']);
    const res = await waitFor(
      async () => {
        const r = await a.views.residuals.running;
        return r && r.trigger.includes(receipt.requestId) && r;
      },
      'the residual scan of this erasure',
      30000,
    );
    const hits = res.report.hits;
    const fileHit = hits.find((h) => h.kind === 'file' && h.path === 'notes/review-draft.md');
    assert.ok(fileHit, `file hit: ${JSON.stringify(hits)}`);
    assert.strictEqual(fileHit.line, 3);
    assert.ok(!hits.some((h) => h.kind === 'file' && h.path === 'data.jsonl'), 'the data file no longer holds it');
    assert.ok(!hits.some((h) => h.path.startsWith('.erase/')), `.erase/ keeps no copy: ${JSON.stringify(hits.filter((h) => h.path.startsWith('.erase/')))}`);
    assert.ok(
      hits.some((h) => h.kind === 'git-history' && h.path === 'data.jsonl' && /^[0-9a-f]{40}$/.test(h.commit)),
      'the committed data file is in history',
    );

    const shown = await residualNodes(a.views.residuals);
    const all = shown.map((s) => s.text).join('\n');
    assert.ok(!all.includes(COPIED) && !/tedious/i.test(all), 'the view never shows the erased text');
    const item = shown.find((s) => s.node.kind === 'hit' && s.node.hit.path === 'notes/review-draft.md').item;
    assert.strictEqual(item.label, 'notes/review-draft.md:3');
    assert.strictEqual(item.command.command, 'vscode.open');
    assert.strictEqual(item.command.arguments[0].fsPath, path.join(root(), 'notes', 'review-draft.md'));
    assert.strictEqual(item.command.arguments[1].selection.start.line, 2);
    const hist = shown.find((s) => s.node.kind === 'hit' && s.node.hit.kind === 'git-history');
    assert.match(hist.item.description, /commit [0-9a-f]{12}/);
    assert.ok(
      shown.some((s) => s.node.kind === 'guidance' && /filter-repo/.test(s.item.label)),
      'history guidance shown',
    );

    // the link opens the file at that line
    await vscode.commands.executeCommand(item.command.command, ...item.command.arguments);
    const ed = await waitFor(
      () => vscode.window.activeTextEditor && vscode.window.activeTextEditor.document.uri.fsPath.endsWith('review-draft.md') && vscode.window.activeTextEditor,
      'editor',
    );
    assert.strictEqual(ed.selection.start.line, 2);
    assert.deepStrictEqual(keyFiles(), []);
  });

  test('ERASE: Scan for residual copies… with a given text', async () => {
    const r = await vscode.commands.executeCommand('erase.scanResiduals', { text: 'painfully slow and utterly predictable' });
    assert.ok(r.report.hits.some((h) => h.kind === 'file' && h.path === 'data.jsonl' && h.line >= 1));
    const none = await vscode.commands.executeCommand('erase.scanResiduals', { text: 'no such sentence appears anywhere here' });
    assert.strictEqual(none.report.hits.length, 0);
  });

  test('Export audit keys for the CLI writes 0600 files that the log verifies with', async () => {
    const files = await vscode.commands.executeCommand('erase.exportAuditKeys', { confirm: false });
    assert.strictEqual(files.length, 3);
    for (const f of ['audit-hmac.key', 'audit-signing-key.pem']) {
      const mode = fs.statSync(path.join(keysDir(), f)).mode & 0o777;
      assert.strictEqual(mode, 0o600, `${f} mode ${mode.toString(8)}`);
    }
    assert.strictEqual(fs.statSync(keysDir()).mode & 0o777, 0o700);
    // the exported public key is the one the audit log's checkpoints were signed with
    const auditDir = path.join(root(), '.erase', 'audit');
    const pubBeside = fs.readdirSync(auditDir).find((f) => f.endsWith('.pem'));
    assert.ok(pubBeside, `public key beside the log: ${fs.readdirSync(auditDir)}`);
    assert.strictEqual(fs.readFileSync(path.join(keysDir(), 'audit-signing-key.pub.pem'), 'utf8'), fs.readFileSync(path.join(auditDir, pubBeside), 'utf8'));
    const r = await vscode.commands.executeCommand('erase.verifyAuditLog');
    assert.strictEqual(r.ok, true);
  });

  test('keys never block an erasure: new CLI key files are adopted and the log adds them by a countersigned key entry', async () => {
    const a = await api();
    // As if the CLI on another machine made its own keys and they were copied in: a signing key the log has never seen.
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519', {
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    fs.writeFileSync(path.join(keysDir(), 'audit-signing-key.pem'), privateKey, { mode: 0o600 });
    fs.writeFileSync(path.join(keysDir(), 'audit-signing-key.pub.pem'), publicKey, { mode: 0o644 });
    fs.writeFileSync(path.join(keysDir(), 'audit-hmac.key'), crypto.randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
    // a webview erasure is confirmed by a modal in the host: answer it for the test
    a.answerConfirmations(() => true);
    let r;
    try {
      r = await a.handleWebviewMessage({ kind: 'request', id: 7001, method: 'erase', params: { ids: ['neg-9'], requester: 'key test' } });
    } finally {
      a.answerConfirmations(undefined);
    }
    assert.strictEqual(r.ok, true, r.error);
    const lines = fs
      .readFileSync(path.join(root(), '.erase', 'audit', 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const keyEntry = lines[lines.length - 2];
    assert.strictEqual(keyEntry.action, 'key-add', 'the SecretStorage key (trusted) countersigned the adopted one');
    assert.strictEqual(keyEntry.key.publicKeyPem, publicKey);
    assert.ok(!JSON.stringify(keyEntry).includes('PRIVATE'), 'never a private key in the log');
    const v = await vscode.commands.executeCommand('erase.verifyAuditLog');
    assert.strictEqual(v.ok, true, JSON.stringify(v.problems));
    assert.ok(v.keyChanges.some((c) => c.action === 'key-add' && c.vouchedBy));
    assert.ok(!v.keyChanges.some((c) => c.action === 'key-reset'), 'no reset was needed');
  });
});
