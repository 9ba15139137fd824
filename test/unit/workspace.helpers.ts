import { copyFileSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EraseWorkspace, type WorkspaceConfig } from '../../src/core/workspace';
import type { WorkspacePaths } from '../../src/core/workspace/config';
import { encodeManifest, headFileName, parseManifest } from '../../src/core/qkmeans/stateEncoding';
import { sha256Hex } from '../../src/core/hash';

/** Settings that shape the state: a brand-new workspace with these on the same file must reach the same state. */
export type StateSettings = Pick<WorkspaceConfig, 'k' | 'eps' | 'seed' | 'dims' | 'maxIter' | 'embedder'>;

export function tempDir(prefix = 'erase-exact-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * The oracle of ALGORITHMS.md §4: a fresh `erase init` + cluster in another folder on a copy of
 * the data file, with the same settings. It shares nothing with the workspace under test.
 */
export async function freshStateHash(dataFile: string, settings: Partial<StateSettings>): Promise<string> {
  const dir = tempDir('erase-oracle-');
  const copy = join(dir, 'data.jsonl');
  copyFileSync(dataFile, copy);
  const ws = EraseWorkspace.init(copy, settings);
  return (await ws.cluster()).stateHash;
}

/** Every file under a folder, recursively (the `.erase/` residue scan). */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** The files under `dir` whose bytes contain `needle`. */
export function filesContaining(dir: string, needle: Buffer): string[] {
  return filesUnder(dir).filter((f) => readFileSync(f).includes(needle));
}

export function bytesOf(v: Int32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * Rewrites the stored state's head text with `edit` and re-links it consistently (new head file
 * named by its hash, new manifest): a tampered state that still reads as well-formed, as someone
 * editing the files by hand with the format's rules would leave it.
 */
export function tamperStateHead(paths: WorkspacePaths, edit: (headText: string) => string): void {
  const manifest = parseManifest(readFileSync(paths.state));
  const text = readFileSync(join(paths.stateDir, headFileName(manifest.head)), 'utf8');
  const edited = Buffer.from(edit(text), 'utf8');
  if (edited.toString('utf8') === text) throw new Error('tamperStateHead: the edit changed nothing');
  const head = sha256Hex(edited);
  writeFileSync(join(paths.stateDir, headFileName(head)), edited);
  writeFileSync(paths.state, encodeManifest({ ...manifest, head }));
}
