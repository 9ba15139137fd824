import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { EraseWorkspace, eraseExamples, reconcile } from '../../src/core/workspace';
import { loadState } from '../../src/core/workspace/persisted';
import { freshStateHash, tempDir, type StateSettings } from './workspace.helpers';

/**
 * The strongest oracle of ALGORITHMS.md §4: after every step of a random sequence of erasures,
 * hand edits of the data file (removed, added and edited lines, explicit-id text edits included)
 * followed by reconcile, and re-clusterings, the workspace's state hash equals that of a brand-new
 * workspace (`erase init` + cluster in another folder on a copy of the data file, same settings).
 */

const WORDS = ['bright', 'slow', 'tender', 'loud', 'clever', 'odd', 'warm', 'grim', 'quiet', 'bold', 'plain', 'wild', 'sharp', 'dull', 'long'];

type HandEdit =
  | { kind: 'remove'; at: number }
  | { kind: 'add'; text: number; explicit: boolean; copyOf: number | null }
  | { kind: 'editText'; at: number; text: number; sameAs: number | null };

type Step = { kind: 'erase'; picks: number[] } | { kind: 'hand'; edits: HandEdit[] } | { kind: 'recluster' } | { kind: 'eraseAll' };

const handEdit: fc.Arbitrary<HandEdit> = fc.oneof(
  fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('add' as const), text: fc.nat(), explicit: fc.boolean(), copyOf: fc.option(fc.nat(), { freq: 3 }) }),
  fc.record({ kind: fc.constant('editText' as const), at: fc.nat(), text: fc.nat(), sameAs: fc.option(fc.nat(), { freq: 4 }) }),
);

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('erase' as const), picks: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('hand' as const), edits: fc.array(handEdit, { minLength: 1, maxLength: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('recluster' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('eraseAll' as const) }) }, // rare: the empty data set
);

const sentence = (n: number) => `the ${WORDS[n % WORDS.length]} film was ${WORDS[(n * 7 + 3) % WORDS.length]} and ${WORDS[(n * 11 + 5) % WORDS.length]} (${n % 97})`;

interface Line {
  id?: string;
  input: string;
  output: string;
}

test('after every step of random erasures, hand edits + reconcile and re-clusterings, the state equals a brand-new workspace', async () => {
  const seen = { steps: 0, erasures: 0, certified: 0, retrained: 0, removedByHand: 0, added: 0, explicitEdits: 0, sharedTexts: 0, empty: 0, reclusters: 0 };
  let nextId = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.oneof(fc.integer({ min: 6, max: 40 }), fc.integer({ min: 300, max: 500 })), // small sets rarely certify (ALGORITHMS.md §3): some large ones
      fc.constantFrom(1, 2, 4),
      fc.constantFrom(0.1, 0.5),
      fc.array(step, { minLength: 3, maxLength: 10 }),
      async (size, k, eps, steps) => {
        const settings: Partial<StateSettings> = { k, eps, seed: `oracle-${size}` };
        const lines: Line[] = [];
        for (let i = 0; i < size; i++) {
          lines.push(i % 3 === 0 ? { id: `x${nextId++}`, input: sentence(i), output: 'pos' } : { input: sentence(i), output: i % 2 ? 'pos' : 'neg' });
          if (i === 5) lines.push({ ...lines[lines.length - 1] }); // a duplicated line without id (multiplicity 2)
        }
        const file = join(tempDir('erase-oracle-ws-'), 'data.jsonl');
        const write = () => writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + (lines.length ? '\n' : ''));
        write();
        const ws = EraseWorkspace.init(file, settings);
        await ws.cluster();
        for (const s of steps) {
          let label: string = s.kind;
          if (s.kind === 'erase' || s.kind === 'eraseAll') {
            const ids = ws.status({ ids: true }).ids!;
            if (ids.length === 0) continue;
            const chosen = s.kind === 'eraseAll' ? [...ids] : [...new Set(s.picks.map((p) => ids[p % ids.length]))];
            const r = await eraseExamples(ws, { ids: chosen, time: '2026-11-30T00:00:00.000Z' });
            seen.erasures++;
            if (r.certified) seen.certified++;
            else seen.retrained++;
            // The erasure rewrote the file: our model of it is read back.
            lines.splice(0, lines.length, ...readLines(file));
            label = `erase ${chosen.length}${r.certified ? ' (certified)' : ` (retrained: ${r.reason})`}`;
          } else if (s.kind === 'recluster') {
            await ws.cluster();
            seen.reclusters++;
          } else {
            for (const e of s.edits) {
              if (e.kind === 'remove' && lines.length > 0) {
                lines.splice(e.at % lines.length, 1);
                seen.removedByHand++;
              } else if (e.kind === 'add') {
                const copy = e.copyOf !== null && lines.length > 0 ? lines[e.copyOf % lines.length] : null;
                if (copy && !copy.id) lines.push({ ...copy });
                else lines.push(e.explicit ? { id: `x${nextId++}`, input: sentence(1000 + e.text), output: 'pos' } : { input: sentence(1000 + e.text), output: 'neg' });
                seen.added++;
              } else if (e.kind === 'editText') {
                const explicit = lines.filter((l) => l.id !== undefined);
                if (explicit.length === 0) continue;
                const target = explicit[e.at % explicit.length];
                const donor = e.sameAs !== null && lines.length > 1 ? lines[e.sameAs % lines.length] : null;
                target.input = donor && donor !== target ? donor.input : `${sentence(2000 + e.text)} edited`;
                if (donor && donor !== target) seen.sharedTexts++;
                seen.explicitEdits++;
              }
            }
            write();
            await reconcile(ws, { time: '2026-11-30T00:00:00.000Z' });
          }
          seen.steps++;
          assert.equal(ws.status().outOfDate, false, `${label}: the workspace is in line with its data file`);
          const hash = loadState(ws.paths)!.hash;
          assert.equal(hash, await freshStateHash(file, settings), `${label}: state differs from a brand-new workspace on the same file`);
          if (ws.status().distinct === 0) seen.empty++;
        }
      },
    ),
    { numRuns: 20, seed: 20261130 },
  );
  console.log(`oracle: ${JSON.stringify(seen)}`);
  assert.ok(seen.certified > 10 && seen.retrained > 10, 'both deletion paths must be exercised');
  assert.ok(seen.explicitEdits > 5 && seen.sharedTexts > 0, 'explicit-id text edits (some onto another example’s text) must be exercised');
  assert.ok(seen.removedByHand > 5 && seen.added > 5 && seen.reclusters > 0 && seen.empty > 0);
});

function readLines(file: string): Line[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Line);
}
