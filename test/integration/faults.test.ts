import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, erase, tempDir } from './cliHarness';

/**
 * Fault injection: erasures killed with SIGKILL at seeded random instants. After the next start
 * of the CLI each erasure must have happened completely or not at all, no kept line may be lost,
 * the state must equal a retrain and the audit log must verify; re-running the request must be
 * idempotent. FAULT_TRIALS sets the count (npm run test:faults runs the full 200).
 */
const TRIALS = Number(process.env.FAULT_TRIALS ?? 24);

function makeWorkspace(): { dir: string; ids: string[] } {
  const dir = tempDir('faults-template');
  const words = ['bright', 'slow', 'tender', 'loud', 'clever', 'odd', 'warm', 'grim', 'quiet', 'bold', 'plain', 'wild'];
  const nouns = ['film', 'plot', 'score', 'cast', 'ending', 'script', 'scene', 'actor'];
  const lines: string[] = [];
  for (let i = 0; i < 400; i++) {
    const a = words[(i * 7) % words.length];
    const b = words[(i * 5 + 3) % words.length];
    const n = nouns[(i * 3) % nouns.length];
    lines.push(JSON.stringify({ input: `a ${a} and ${b} ${n} number ${i}`, output: i % 2 ? 'positive' : 'negative' }));
    if (i === 100) lines.push('{"input": broken line kept byte for byte');
    if (i === 200) lines.push(lines[lines.length - 1]); // a duplicate: multiplicity 2
  }
  writeFileSync(join(dir, 'data.jsonl'), lines.join('\n') + '\n');
  assert.equal(erase(dir, 'init', '--data', 'data.jsonl', '--k', '6', '--eps', '0.1').code, 0);
  assert.equal(erase(dir, 'cluster').code, 0);
  const ids = erase(dir, 'status', '--json', '--ids').json().ids as string[];
  return { dir, ids };
}

/** A tiny seeded generator (test scheduling only; nothing here shapes product state). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

/**
 * Runs the CLI and SIGKILLs it `killAfterMs` after the start, or — when `afterIntent` — that long
 * after the erasure's intent record appears (kills aimed inside the transaction itself).
 */
function runKilled(cwd: string, args: string[], killAfterMs: number, afterIntent: boolean): Promise<{ killed: boolean; midErasure: boolean; ms: number }> {
  return new Promise((resolveRun) => {
    const t0 = performance.now();
    const intent = join(cwd, '.erase', 'erasure-intent.json');
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: 'ignore' });
    let exited = false;
    let killed = false;
    let midErasure = false;
    let timer: NodeJS.Timeout | undefined;
    child.on('exit', () => {
      exited = true;
    });
    const kill = () => {
      if (exited) return;
      midErasure = existsSync(intent);
      killed = child.kill('SIGKILL');
    };
    if (!afterIntent) timer = setTimeout(kill, killAfterMs);
    else {
      const poll = () => {
        if (exited) return;
        if (existsSync(intent)) timer = setTimeout(kill, killAfterMs);
        else setImmediate(poll);
      };
      poll();
    }
    child.on('close', () => {
      if (timer) clearTimeout(timer);
      resolveRun({ killed, midErasure, ms: performance.now() - t0 });
    });
  });
}

test(`erasures killed by SIGKILL at random instants recover to a consistent state (${TRIALS} trials)`, { timeout: 60 * 60 * 1000 }, async () => {
  const template = makeWorkspace();
  const original = readFileSync(join(template.dir, 'data.jsonl'), 'utf8').split('\n');
  // How long one erasure takes here, to spread the kills over it.
  const probe = tempDir('faults-probe');
  cpSync(template.dir, probe, { recursive: true });
  const span = (await runKilled(probe, ['delete', '--id', template.ids[3]], 2 ** 30, false)).ms;
  assert.equal(erase(probe, 'status', '--json', '--ids').json().ids.includes(template.ids[3]), false, 'the probe erasure ran');
  const rnd = lcg(20261122);
  const stats = { trials: 0, killed: 0, midErasure: 0, completed: 0, rolledBack: 0, violations: 0 };
  for (let t = 0; t < TRIALS; t++) {
    const dir = tempDir(`faults-${t}`);
    cpSync(template.dir, dir, { recursive: true });
    const victim = template.ids[Math.floor(rnd() * template.ids.length)];
    const requestId = `REQ-${t}`;
    // Even trials: a uniform instant over the whole run; odd trials: within 40 ms of the intent record.
    const aimed = t % 2 === 1;
    const res = await runKilled(dir, ['delete', '--id', victim, '--request-id', requestId, '--json'], aimed ? rnd() * 40 : rnd() * span * 1.2, aimed);
    stats.trials++;
    if (res.killed) stats.killed++;
    if (res.midErasure) stats.midErasure++;
    // The next start recovers.
    const status = erase(dir, 'status', '--json', '--ids');
    assert.equal(status.code, 0, status.stderr);
    const ids = status.json().ids as string[];
    const gone = !ids.includes(victim);
    const data = readFileSync(join(dir, 'data.jsonl'), 'utf8').split('\n');
    const audit = existsSync(join(dir, '.erase', 'audit', 'audit.jsonl')) ? readFileSync(join(dir, '.erase', 'audit', 'audit.jsonl'), 'utf8') : '';
    const entries = audit.split('\n').filter((l) => l.includes(`"requestId":"${requestId}"`)).length;
    const problems: string[] = [];
    // All or nothing: the data file, the state and the audit log agree.
    if (gone !== (entries === 1)) problems.push(`victim gone=${gone} but ${entries} audit entries`);
    // No kept line lost: the file is the original minus exactly the victim's lines.
    const kept = original.filter((l) => !data.includes(l));
    if (!gone && kept.length > 0) problems.push(`${kept.length} lines lost without an erasure`);
    if (gone && kept.some((l) => !l.includes('"input"') || l.startsWith('{"input": broken'))) problems.push('a malformed line was lost');
    if (data.length < original.length - 2) problems.push(`too many lines removed (${original.length - data.length})`);
    const v = erase(dir, 'verify', '--json');
    if (v.code !== 0) problems.push(`verify: ${v.stdout.trim()}`);
    const av = erase(dir, 'audit', 'verify', '--json');
    if (av.code !== 0) problems.push(`audit verify: ${av.stdout.slice(0, 300)}`);
    if (existsSync(join(dir, '.erase', 'erasure-intent.json'))) problems.push('intent record left behind');
    // Re-running the request is idempotent.
    const again = erase(dir, 'delete', '--id', victim, '--request-id', requestId, '--json');
    if (again.code !== 0) problems.push(`re-run failed: ${again.stderr.trim()}`);
    const auditAfter = readFileSync(join(dir, '.erase', 'audit', 'audit.jsonl'), 'utf8');
    if (auditAfter.split('\n').filter((l) => l.includes(`"requestId":"${requestId}"`)).length !== 1) problems.push('re-run did not leave exactly one audit entry');
    if ((erase(dir, 'status', '--json', '--ids').json().ids as string[]).includes(victim)) problems.push('victim present after re-run');
    if (gone) stats.completed++;
    else stats.rolledBack++;
    if (problems.length) {
      stats.violations++;
      console.log(`trial ${t}: ${problems.join('; ')}`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`faults: ${JSON.stringify(stats)} (one erasure ≈ ${span.toFixed(0)} ms)`);
  assert.equal(stats.violations, 0);
  assert.ok(stats.midErasure > 0 || TRIALS < 10, 'some kills must land in the middle of an erasure');
});
