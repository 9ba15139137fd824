#!/usr/bin/env node
// Deliberate breakages that the test suite must catch (npm run test:mutations): each entry of
// scripts/mutations.json names a file, an exact text to find (once) and its replacement, and the
// tests that must then fail. Each is applied, its tests run, and the file restored — always.
// Exit 1 when any breakage goes unnoticed (or no longer applies), so the suite cannot quietly weaken.
import { readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mutations = JSON.parse(readFileSync(join(root, 'scripts', 'mutations.json'), 'utf8'));
const only = process.argv[2];
const results = [];
for (const m of mutations) {
  if (only && !m.name.includes(only)) continue;
  const path = join(root, m.file);
  const original = readFileSync(path, 'utf8');
  const count = original.split(m.find).length - 1;
  if (count !== 1) {
    results.push({ name: m.name, outcome: `does not apply (found ${count} times)` });
    continue;
  }
  writeFileSync(path, original.replace(m.find, m.replace));
  let outcome;
  try {
    if (m.build) spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=dot', ...m.tests], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, ...(m.env ?? {}) },
    });
    outcome = r.status === 0 ? 'NOT CAUGHT' : 'caught';
  } finally {
    writeFileSync(path, original);
    if (m.build) spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
  }
  results.push({ name: m.name, outcome });
  process.stdout.write(`${outcome === 'caught' ? 'caught     ' : 'NOT CAUGHT '} ${m.name}\n`);
}
const missed = results.filter((r) => r.outcome !== 'caught');
for (const r of missed.filter((r) => r.outcome.startsWith('does not apply'))) process.stdout.write(`STALE       ${r.name}: ${r.outcome}\n`);
console.log(`mutations: ${results.length - missed.length} passed, ${missed.length} failed`);
process.exit(missed.length ? 1 : 0);
