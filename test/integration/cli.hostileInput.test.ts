import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, tempDir } from './cliHarness';

/** Runs the built CLI and kills it after `ms`: a hang is a failure, not a stuck test run. */
function eraseWithin(ms: number, cwd: string, ...args: string[]) {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', timeout: ms, maxBuffer: 256 << 20 });
  const took = performance.now() - t0;
  assert.equal(r.signal, null, `erase ${args.join(' ')} was killed after ${ms} ms (it hung)`);
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, took };
}

/** A one-line error on stderr, no stack trace. */
function assertOneLine(stderr: string): void {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, stderr);
  assert.ok(!/internal error|\n\s+at /.test(stderr), stderr);
}

const HOSTILE_A = 'a'.repeat(40) + '!';

/** A clustered workspace with the hostile line, a matching line and ordinary lines. */
function workspace(extraLines: string[] = []): string {
  const dir = tempDir('hostile');
  const lines = [
    ...Array.from({ length: 12 }, (_, i) => JSON.stringify({ input: `review ${i}: ${i % 2 ? 'loved it' : 'a dull slog'}`, output: i % 2 ? 'positive' : 'negative' })),
    JSON.stringify({ id: 'hostile', input: HOSTILE_A, output: 'x' }),
    JSON.stringify({ id: 'plain-a', input: 'aaaa', output: 'y' }),
    ...extraLines,
  ];
  writeFileSync(join(dir, 'd.jsonl'), lines.join('\n') + '\n');
  assert.equal(eraseWithin(60_000, dir, 'init', '--data', 'd.jsonl', '--k', '3').code, 0);
  assert.equal(eraseWithin(60_000, dir, 'cluster').code, 0);
  return dir;
}

test('a catastrophic regex through delete --dry-run, a requests file and request add returns at once with the right result', () => {
  const dir = workspace();
  const dry = eraseWithin(15_000, dir, 'delete', '--regex', '^(a+)+$', '--dry-run', '--json');
  assert.equal(dry.code, 0, dry.stderr);
  assert.deepEqual(
    JSON.parse(dry.stdout).map((e: { id: string }) => e.id),
    ['plain-a'],
  );

  writeFileSync(join(dir, 'req.jsonl'), JSON.stringify({ requestId: 'R-redos', regex: '^(a|aa)+$' }) + '\n');
  const batch = eraseWithin(15_000, dir, 'delete', '--requests', 'req.jsonl', '--dry-run');
  assert.equal(batch.code, 0, batch.stderr);
  assert.match(batch.stderr, /request R-redos: would erase 1 example\(s\)/);

  const add = eraseWithin(15_000, dir, 'request', 'add', '--regex', '^(a+)+$', '--request-id', 'R-add', '--json');
  assert.equal(add.code, 0, add.stderr);
  assert.deepEqual(JSON.parse(add.stdout).record.matchedIds, ['plain-a']);

  // The real erasure by the same pattern erases exactly that example.
  const del = eraseWithin(60_000, dir, 'delete', '--regex', '^(a+)+$', '--skip-scan');
  assert.equal(del.code, 0, del.stderr);
  const left = readFileSync(join(dir, 'd.jsonl'), 'utf8');
  assert.ok(left.includes(HOSTILE_A) && !left.includes('"aaaa"'));
});

test('a lookahead or backreference is a usage error: exit 2, one line, the pattern not quoted', () => {
  const dir = workspace();
  for (const pattern of ['SECRET(?=x)', '(SECRET)\\1']) {
    const r = eraseWithin(15_000, dir, 'delete', '--regex', pattern, '--dry-run');
    assert.equal(r.code, 2);
    assertOneLine(r.stderr);
    assert.match(r.stderr, /invalid regular expression: .*RE2 dialect/);
    assert.ok(!r.stderr.includes('SECRET'));
  }
  writeFileSync(join(dir, 'req.jsonl'), '{"match":"review 1"}\n{"regex":"(?<!SECRET)x"}\n');
  const r = eraseWithin(15_000, dir, 'delete', '--requests', 'req.jsonl');
  assert.equal(r.code, 2);
  assertOneLine(r.stderr);
  assert.match(r.stderr, /req\.jsonl:2:1: "regex" is not a valid regular expression: lookahead and lookbehind/);
  assert.ok(!r.stderr.includes('SECRET'));
});

test('a line nested 10,000 levels deep loads, is erased by --id, and never breaks --match or --regex for the others', () => {
  const depth = 10_000;
  const deepMeta = '['.repeat(depth) + '"inner"' + ']'.repeat(depth);
  const deepNoId = `{"input":"deep without id","output":"z","meta":${'{"k":'.repeat(depth)}1${'}'.repeat(depth)}}`;
  const dir = workspace([`{"id":"deep","input":"deep one","output":"y","meta":${deepMeta}}`, deepNoId]);

  const status = eraseWithin(30_000, dir, 'status', '--json');
  assert.equal(status.code, 0, status.stderr);
  assert.equal(JSON.parse(status.stdout).malformed.length, 0, 'the deep lines are examples, not malformed');

  const match = eraseWithin(30_000, dir, 'delete', '--match', 'loved it', '--dry-run', '--json');
  assert.equal(match.code, 0, match.stderr);
  assert.equal(JSON.parse(match.stdout).length, 6);
  const regex = eraseWithin(30_000, dir, 'delete', '--regex', '"inner"', '--dry-run', '--json');
  assert.equal(regex.code, 0, regex.stderr);
  assert.deepEqual(
    JSON.parse(regex.stdout).map((e: { id: string }) => e.id),
    ['deep'],
    'meta is searched as canonical JSON',
  );

  const del = eraseWithin(60_000, dir, 'delete', '--id', 'deep', '--skip-scan', '--json');
  assert.equal(del.code, 0, del.stderr);
  assert.deepEqual(JSON.parse(del.stdout).erasedIds, ['deep']);
  const noId = eraseWithin(30_000, dir, 'delete', '--match', 'deep without id', '--skip-scan', '--json');
  assert.equal(noId.code, 0, noId.stderr);
  const left = readFileSync(join(dir, 'd.jsonl'), 'utf8');
  assert.ok(!left.includes('deep one') && !left.includes('deep without id'));
  assert.equal(eraseWithin(60_000, dir, 'verify').code, 0);
  assert.equal(eraseWithin(30_000, dir, 'delete', '--match', 'dull slog', '--dry-run').code, 0);
});

test('import: invalid UTF-8 is file:line:column, --out equal to the input is refused, an out-of-range column is exit 2', () => {
  const dir = tempDir('import');
  const table = 'text\tlabel\nhello\t1\nworld\t0\n';
  writeFileSync(join(dir, 't.tsv'), table);
  // Line 3: "ok<TAB>SECR" then a Latin-1 é (0xE9): column 8, after the 7 valid characters.
  writeFileSync(join(dir, 'bad.tsv'), Buffer.concat([Buffer.from('text\tlabel\nfine\t1\nok\tSECR'), Buffer.from([0xe9]), Buffer.from('T\n')]));
  const bad = eraseWithin(15_000, dir, 'import', 'bad.tsv', '--text-col', 'text', '--header', '--out', 'o.jsonl');
  assert.equal(bad.code, 2);
  assertOneLine(bad.stderr);
  assert.match(bad.stderr, /^erase: bad\.tsv:3:8: invalid UTF-8/);
  assert.ok(!bad.stderr.includes('SECR') && !bad.stderr.includes('\ufffd'));
  assert.equal(existsSync(join(dir, 'o.jsonl')), false, 'nothing written');

  symlinkSync('t.tsv', join(dir, 'link.tsv'));
  for (const out of ['t.tsv', './t.tsv', join(dir, 't.tsv'), 'link.tsv', `../${dir.split('/').pop()}/t.tsv`]) {
    const r = eraseWithin(15_000, dir, 'import', 't.tsv', '--text-col', '0', '--out', out);
    assert.equal(r.code, 2, out);
    assertOneLine(r.stderr);
    assert.match(r.stderr, /is the input file itself/);
    assert.equal(readFileSync(join(dir, 't.tsv'), 'utf8'), table, 'the input is untouched');
  }

  for (const args of [
    ['--text-col', '5'],
    ['--text-col', '0', '--label-col', '2'],
    ['--text-col', '0', '--label-col', '2', '--header'],
    ['--text-col', 'missing', '--header'],
  ]) {
    const r = eraseWithin(15_000, dir, 'import', 't.tsv', ...args, '--out', 'o.jsonl');
    assert.equal(r.code, 2, args.join(' '));
    assertOneLine(r.stderr);
    assert.match(r.stderr, /past the last column|not in the header/);
    assert.equal(existsSync(join(dir, 'o.jsonl')), false);
  }
  // Inputs that are not regular files: a device read forever, a folder.
  mkdirSync(join(dir, 'adir.tsv'));
  for (const input of ['/dev/zero', 'adir.tsv']) {
    const r = eraseWithin(15_000, dir, 'import', input, '--text-col', '0', '--format', 'tsv', '--out', 'o.jsonl');
    assert.equal(r.code, 2, input);
    assertOneLine(r.stderr);
    assert.match(r.stderr, /is not a regular file/);
  }
  const ok = eraseWithin(15_000, dir, 'import', 't.tsv', '--text-col', 'text', '--label-col', 'label', '--header', '--out', 'o.jsonl');
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(readFileSync(join(dir, 'o.jsonl'), 'utf8').trim().split('\n').length, 2);
});

test('a data file or requests file that is a pipe is refused at once, before .erase/ is created', () => {
  const dir = tempDir('fifo');
  assert.equal(spawnSync('mkfifo', [join(dir, 'pipe.jsonl')]).status, 0);
  const r = eraseWithin(15_000, dir, 'init', '--data', 'pipe.jsonl');
  assert.equal(r.code, 2);
  assertOneLine(r.stderr);
  assert.match(r.stderr, /data file pipe\.jsonl is not a regular file/);
  assert.equal(existsSync(join(dir, '.erase')), false);

  const ws = workspace();
  assert.equal(spawnSync('mkfifo', [join(ws, 'req.jsonl')]).status, 0);
  const req = eraseWithin(15_000, ws, 'delete', '--requests', 'req.jsonl');
  assert.equal(req.code, 2);
  assertOneLine(req.stderr);
  assert.match(req.stderr, /requests file req\.jsonl is not a regular file/);
});

test('I/O errors: one line naming the file, exit 1, no stack, nothing half-written', () => {
  const dir = workspace();
  const before = readdirSync(dir).sort();
  const cases: [string[], RegExp][] = [
    // A real ENOSPC: /dev/full accepts the open and fails the write.
    [['audit', 'export', '--format', 'md', '--out', '/dev/full'], /^erase: cannot write \/dev\/full: no space left on the device; free some space/],
    // ENOTDIR: the parent of the output is a regular file.
    [['audit', 'export', '--format', 'md', '--out', 'd.jsonl/report.md'], /^erase: cannot open d\.jsonl\/report\.md: a part of the path is a file, not a folder/],
    // EISDIR: a folder where a file is expected.
    [['audit', 'export', '--format', 'md', '--out', '.erase'], /^erase: cannot open \.erase: it is a folder, not a file/],
  ];
  const data = readFileSync(join(dir, 'd.jsonl'));
  for (const [args, want] of cases) {
    const r = eraseWithin(15_000, dir, ...args);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    assertOneLine(r.stderr);
    assert.match(r.stderr, want);
  }
  assert.deepEqual(readFileSync(join(dir, 'd.jsonl')), data);
  assert.deepEqual(readdirSync(dir).sort(), before, 'no temporary or partial file left');
});
