/**
 * The map's picture on disk: `.erase/state/map-<state hash>.bin`, a derived file (display only,
 * never read by anything that shapes the cluster state) so that opening the workbench does not
 * load every vector and lay 60k points out again. It names the state hash it was drawn from in
 * its file name and its header, and the data file's stamp its labels were read at; a reader
 * takes it only when both match and its checksum holds, and deletes it otherwise. It holds ids,
 * so it must not outlive its state: the state store deletes every map file but the current
 * state's at each state write (stateStore.ts, collectStateGarbage).
 *
 * Layout: "ERASEMAP" | u32 version | u32 header length | header JSON | body, where the header
 * holds the state hash, the data stamp, n, the body's SHA-256 and the JSON of ids,
 * representatives and label names, and the body x, y (Float32), cluster and label (Int32, -1: none).
 */
import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { sha256Hex } from '../hash';
import { writeDerivedFile } from '../storage/atomicWrite';

const MAGIC = 'ERASEMAP';
const VERSION = 1;
export const MAP_FILE_NAME = /^map-([0-9a-f]{64})\.bin$/;

/** The map as the workbench shows it: points, clusters, representatives and label indices (-1: no label). */
export interface MapPicture {
  readonly stateHash: string;
  /** size:mtime:ctime:inode of the data file when the labels were read. */
  readonly dataStamp: string;
  readonly ids: readonly string[];
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly cluster: Int32Array;
  readonly representatives: readonly (string | null)[];
  readonly labelNames: readonly string[];
  readonly label: Int32Array;
}

interface Header {
  stateHash: string;
  dataStamp: string;
  n: number;
  bodySha256: string;
  ids: string[];
  representatives: (string | null)[];
  labelNames: string[];
}

export function mapFilePath(stateDir: string, stateHash: string): string {
  return join(stateDir, `map-${stateHash}.bin`);
}

export function encodeMapPicture(p: MapPicture): Buffer {
  const n = p.ids.length;
  const body = Buffer.alloc(16 * n);
  const f32 = new Float32Array(body.buffer, body.byteOffset, 2 * n);
  f32.set(p.x, 0);
  f32.set(p.y, n);
  const i32 = new Int32Array(body.buffer, body.byteOffset + 8 * n, 2 * n);
  i32.set(p.cluster, 0);
  i32.set(p.label, n);
  const header: Header = {
    stateHash: p.stateHash,
    dataStamp: p.dataStamp,
    n,
    bodySha256: sha256Hex(body),
    ids: [...p.ids],
    representatives: [...p.representatives],
    labelNames: [...p.labelNames],
  };
  const h = Buffer.from(JSON.stringify(header), 'utf8');
  const pre = Buffer.alloc(16);
  pre.write(MAGIC, 0, 'latin1');
  pre.writeUInt32LE(VERSION, 8);
  pre.writeUInt32LE(h.length, 12);
  return Buffer.concat([pre, h, body]);
}

/** The picture in `bytes` when it is whole and drawn from this state hash and data stamp; null otherwise. */
export function decodeMapPicture(bytes: Buffer, stateHash: string, dataStamp: string): MapPicture | null {
  try {
    if (bytes.length < 16 || bytes.toString('latin1', 0, 8) !== MAGIC || bytes.readUInt32LE(8) !== VERSION) return null;
    const hLen = bytes.readUInt32LE(12);
    if (16 + hLen > bytes.length) return null;
    const header = JSON.parse(bytes.toString('utf8', 16, 16 + hLen)) as Header;
    if (header.stateHash !== stateHash || header.dataStamp !== dataStamp) return null;
    const n = header.n;
    if (!Number.isInteger(n) || !Array.isArray(header.ids) || header.ids.length !== n || bytes.length !== 16 + hLen + 16 * n) return null;
    // copied out: aligned arrays that do not keep the file's buffer alive
    const body = Uint8Array.prototype.slice.call(bytes, 16 + hLen);
    if (sha256Hex(body) !== header.bodySha256) return null;
    const f32 = new Float32Array(body.buffer, 0, 2 * n);
    const i32 = new Int32Array(body.buffer, 8 * n, 2 * n);
    return {
      stateHash,
      dataStamp,
      ids: header.ids,
      x: f32.subarray(0, n),
      y: f32.subarray(n),
      cluster: i32.subarray(0, n),
      representatives: header.representatives,
      labelNames: header.labelNames,
      label: i32.subarray(n),
    };
  } catch {
    return null; // cut short or garbled: the caller draws it again
  }
}

/** Reads the picture of this state; a file that does not match is deleted (it is rebuilt). */
export function readMapFile(stateDir: string, stateHash: string, dataStamp: string): MapPicture | null {
  const path = mapFilePath(stateDir, stateHash);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return null;
  }
  const p = decodeMapPicture(bytes, stateHash, dataStamp);
  if (!p) unlinkQuietly(path);
  return p;
}

export function writeMapFile(stateDir: string, p: MapPicture): void {
  writeDerivedFile(mapFilePath(stateDir, p.stateHash), encodeMapPicture(p));
}

/** Deletes every map file not drawn from `keepHash` (null: all of them). */
export function removeStaleMapFiles(stateDir: string, keepHash: string | null, listed?: readonly string[]): void {
  let names: readonly string[];
  try {
    names = listed ?? readdirSync(stateDir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = MAP_FILE_NAME.exec(name);
    if (m && m[1] !== keepHash) unlinkQuietly(join(stateDir, name));
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
