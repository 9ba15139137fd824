import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DATASETS, erase, tempDir } from './cliHarness';

const SST2_DEV = join(DATASETS, 'sst2', 'dev.tsv');

/** Every file below `dir`, as bytes, for leak checks. */
function allBytes(dir: string): Buffer[] {
  const out: Buffer[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...allBytes(p));
    else out.push(readFileSync(p));
  }
  return out;
}

test('CLI end to end on a slice of SST-2: import, init, cluster, prompt, erase, verify, audit', { skip: !existsSync(SST2_DEV) && `no ${SST2_DEV}` }, () => {
  const dir = tempDir('cli');
  const slice = readFileSync(SST2_DEV, 'utf8').split('\n').slice(0, 1201).join('\n') + '\n';
  writeFileSync(join(dir, 'slice.tsv'), slice);

  const imp = erase(dir, 'import', 'slice.tsv', '--text-col', 'sentence', '--label-col', 'label', '--header', '--out', 'data.jsonl', '--json');
  assert.equal(imp.code, 0, imp.stderr);
  assert.equal(imp.json().records, 1200);

  assert.equal(erase(dir, 'init', '--data', 'data.jsonl', '--k', '6', '--json').code, 0);
  const cl = erase(dir, 'cluster', '--json');
  assert.equal(cl.code, 0, cl.stderr);
  const c = cl.json();
  assert.equal(c.k, 6);
  assert.match(c.stateHash, /^[0-9a-f]{64}$/);
  assert.ok(c.predictedCertified > 0 && c.predictedCertified <= 1);
  assert.equal(c.representatives.length, 6);

  const st = erase(dir, 'status', '--json', '--ids').json();
  assert.equal(st.stateHash, c.stateHash);
  assert.equal(st.ids.length, c.distinct);

  const pr = erase(dir, 'prompt', '--query', 'a gripping film', '--json').json();
  assert.deepEqual(
    pr.ids,
    c.representatives.filter((r: string | null) => r !== null),
  );
  assert.ok(pr.text.endsWith('Input: a gripping film\nOutput:'));

  // Erase a representative (changes the prompt) and some ordinary examples, verifying after each.
  const victims = [c.representatives[0], ...st.ids.filter((id: string) => !c.representatives.includes(id)).slice(0, 5)];
  const victimText = new Map<string, string>();
  const lines = readFileSync(join(dir, 'data.jsonl'), 'utf8').split('\n');
  let certified = 0;
  for (const id of victims) {
    const before = erase(dir, 'status', '--json').json();
    const del = erase(dir, 'delete', '--id', id, '--requester', 'dpo@example.com', '--reason', 'test', '--json');
    assert.equal(del.code, 0, del.stderr);
    const r = del.json();
    assert.deepEqual(r.erasedIds, [id]);
    assert.equal(r.stateHashBefore, before.stateHash);
    if (r.certified) certified++;
    if (id === c.representatives[0]) assert.equal(r.promptChanged, true);
    const v = erase(dir, 'verify', '--json');
    assert.equal(v.code, 0, `verify after erasing ${id}: ${v.stdout}`);
    assert.equal(v.json().equal, true);
    const after = erase(dir, 'status', '--json', '--ids').json();
    assert.equal(after.ids.includes(id), false);
    assert.equal(after.stateHash, r.stateHashAfter);
  }
  console.log(`cli: ${victims.length} erasures, ${certified} certified, all verified equal to a retrain`);

  // Erased text is gone from the data file and from everything under .erase/.
  const dataNow = readFileSync(join(dir, 'data.jsonl'), 'utf8');
  assert.equal(dataNow.split('\n').length, lines.length - victims.length);
  for (const l of lines) {
    if (!l) continue;
    const input = JSON.parse(l).input as string;
    if (input.length > 25 && !dataNow.includes(input)) victimText.set(input, input);
  }
  assert.ok(victimText.size > 0, 'some erased texts to look for');
  const state = allBytes(join(dir, '.erase'));
  for (const t of victimText.keys()) for (const b of state) assert.equal(b.includes(Buffer.from(t)), false, 'erased text left in .erase/');

  const av = erase(dir, 'audit', 'verify', '--json');
  assert.equal(av.code, 0, av.stdout);
  assert.equal(av.json().size, 2 * victims.length, 'one erase and one verify entry per victim');
});

test('CLI errors: usage and bad input exit 2 with one line that says what to do', () => {
  const dir = tempDir('cli-err');
  const noWs = erase(dir, 'status');
  assert.equal(noWs.code, 2);
  assert.match(noWs.stderr, /erase init --data/);
  const unknown = erase(dir, 'frobnicate');
  assert.equal(unknown.code, 2);
  const badOpt = erase(dir, 'init', '--data', 'x.jsonl', '--k', 'many');
  assert.equal(badOpt.code, 2);
  writeFileSync(join(dir, 'd.jsonl'), '{"input":"a","output":"b"}\n');
  assert.equal(erase(dir, 'init', '--data', 'd.jsonl', '--k', 'zero').code, 2);
  assert.equal(erase(dir, 'init', '--data', 'd.jsonl', '--eps', '-1').code, 2);
  const del = erase(dir, 'delete');
  assert.equal(del.code, 2);
  assert.match(del.stderr, /exactly one of/);
});
