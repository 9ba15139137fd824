import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOG_FILE, MemoryKeyStore, appendEntry, csvCell, escapeHtml, escapeMarkdown, exportReport, TreeHead } from '../../src/core/audit/index';
import { entryInput, tempDir } from './audit.helpers';

const EVIL = {
  requester: '<script>alert(1)</script>"\'&',
  subjectRef: '=HYPERLINK("http://evil.example","x")',
  notes: '"><img src=x onerror=alert(2)>\nline2 | cell, with "quotes"',
};

async function evilLog(): Promise<{ dir: string; head: TreeHead; publicKeyPem: string }> {
  const dir = tempDir('export');
  const keyStore = new MemoryKeyStore();
  let head: TreeHead | undefined;
  for (let i = 0; i < 4; i++) {
    const input =
      i === 2
        ? { ...entryInput(i), ...EVIL, requestId: '<b>REQ</b>' }
        : i === 3
          ? { ...entryInput(i), requester: '+SUM(A1:A9)', subjectRef: '-2+3', notes: '@cmd|calc' }
          : entryInput(i);
    head = (await appendEntry(dir, input, { keyStore, expectedHead: head })).head;
  }
  return { dir, head: head!, publicKeyPem: (await keyStore.getOrCreateSigningKey()).publicKeyPem };
}

/** Minimal RFC 4180 parser, to check the CSV round-trips. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let i = 0;
  while (i < text.length) {
    assert.equal(text[i], '"', `every cell is quoted (at ${i})`);
    let cell = '';
    i++;
    for (;;) {
      if (text[i] === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
      } else if (text[i] === '"') {
        i++;
        break;
      } else cell += text[i++];
    }
    row.push(cell);
    if (text[i] === ',') i++;
    else {
      assert.equal(text.slice(i, i + 2), '\r\n');
      i += 2;
      rows.push(row);
      row = [];
    }
  }
  return rows;
}

test('HTML report escapes every field', async () => {
  const { dir, head, publicKeyPem } = await evilLog();
  const html = await exportReport(dir, 'html', { expectedHead: head, keys: { publicKeyPem }, generatedAt: '2026-06-01T00:00:00Z' });
  assert.ok(!html.includes('<script>'), 'raw script tag');
  assert.ok(!html.includes('<img'), 'raw img tag');
  assert.ok(!html.includes('<b>REQ'), 'raw tag in request id');
  assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;'));
  assert.ok(html.includes('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;'));
  assert.ok(html.includes('Content-Security-Policy'));
  assert.match(html, /OK — no problem found/);
  // The only tags are the template's own.
  const tags = new Set([...html.matchAll(/<\/?([a-zA-Z0-9!]+)/g)].map((m) => m[1].toLowerCase()));
  assert.deepEqual(
    [...tags].filter(
      (t) =>
        ![
          '!doctype',
          'html',
          'head',
          'meta',
          'title',
          'style',
          'body',
          'h1',
          'h2',
          'h3',
          'p',
          'ul',
          'li',
          'dl',
          'dt',
          'dd',
          'code',
          'section',
          'table',
          'thead',
          'tbody',
          'tr',
          'th',
          'td',
          'ol',
        ].includes(t),
    ),
    [],
  );
});

test('CSV report quotes every cell and defuses formulas', async () => {
  const { dir, head, publicKeyPem } = await evilLog();
  const csv = await exportReport(dir, 'csv', { expectedHead: head, keys: { publicKeyPem } });
  const rows = parseCsv(csv);
  assert.equal(rows.length, 5, 'header + 4 entries (embedded newlines stay inside quotes)');
  assert.ok(rows.every((r) => r.length === rows[0].length));
  const col = (name: string) => rows[0].indexOf(name);
  const evilRow = rows.find((r) => r[0] === '<b>REQ</b>')!;
  assert.equal(evilRow[col('subjectRef')], `'${EVIL.subjectRef}`);
  assert.equal(evilRow[col('notes')], EVIL.notes);
  const r3 = rows[4];
  assert.equal(r3[col('requester')], "'+SUM(A1:A9)");
  assert.equal(r3[col('subjectRef')], "'-2+3");
  assert.equal(r3[col('notes')], "'@cmd|calc");
  for (const r of rows) for (const c of r) assert.ok(!/^[=+\-@\t\r]/.test(c), `formula-like cell ${c}`);
  assert.equal(csvCell('\t=1'), `"'\t=1"`);
  assert.equal(csvCell('a"b'), '"a""b"');
});

test('Markdown report keeps table structure and renders no HTML from fields', async () => {
  const { dir, head, publicKeyPem } = await evilLog();
  const md = await exportReport(dir, 'md', { expectedHead: head, keys: { publicKeyPem } });
  assert.ok(!md.includes('<script>') && !md.includes('<img') && !md.includes('<b>'));
  const tableRows = md.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| seq'));
  assert.equal(tableRows.length, 4);
  for (const r of tableRows) assert.equal(r.split(/(?<!\\)\|/).length - 2, 12, r);
  assert.match(md, /## How to verify/);
  assert.equal(escapeMarkdown('a|b\nc'), 'a\\|b c');
});

test('JSON report carries head, checkpoint, receipts and the verification result', async () => {
  const { dir, head, publicKeyPem } = await evilLog();
  const report = JSON.parse(await exportReport(dir, 'json', { expectedHead: head, keys: { publicKeyPem } }));
  assert.equal(report.verification.ok, true);
  assert.deepEqual(report.head, head);
  assert.equal(report.checkpoint.checkpoint.size, 4);
  assert.match(report.checkpointMessage, /^erase-workbench audit checkpoint v1\n\{"rootHash":/);
  assert.equal(report.requests.flatMap((r: { receipts: unknown[] }) => r.receipts).length, 4);
  assert.ok(report.howToVerify.length >= 5);
  appendFileSync(join(dir, LOG_FILE), '{');
  const bad = JSON.parse(await exportReport(dir, 'json', { expectedHead: head, keys: { publicKeyPem } }));
  assert.equal(bad.verification.ok, false, 'a damaged log is reported as such in the export');
  assert.match(await exportReport(dir, 'html', { keys: { publicKeyPem } }), /FAILED/);
  assert.equal(escapeHtml('<&>"\'`'), '&lt;&amp;&gt;&quot;&#39;&#96;');
});
