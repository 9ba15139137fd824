import { crc32 } from 'node:zlib';
import type { FileHandle } from 'node:fs/promises';

/**
 * The workspace's vector stores (storage/slotFile.ts: `<name>.slots` and `<name>.index`, i.e. the
 * embedding cache and the projected points in `.erase/`) are the largest files the scan meets
 * (128 MB and 8 MB at 60k) and the only ones that cannot hold text past their header: after a
 * 4096-byte header (magic, version, sizes, a descriptor naming the embedder, CRC-32), every entry
 * is a 64-byte content key — SHA-256 hex of a text (embed/contentHash.ts), never the text — then
 * 32-bit integers (vector components, reference counts, slot numbers, CRC-32s), zeros where a slot
 * was freed. So the scan searches the header and skips the body, only for a file whose header is
 * intact (magic and CRC-32) and whose size is a whole number of entries: anything else (damaged,
 * renamed, another format) is searched whole as before.
 * test/unit/residual.vectorFiles.test.ts checks the key invariant on real stores after clustering.
 */
export const VECTOR_HEADER_BYTES = 4096;

const SLOTS_MAGIC = 'ERASESL1';
const INDEX_MAGIC = 'ERASEIX1';
/** Index entry sizes by version: key | u32 refs (v1); key | u32 refs | u32 slot (v2). */
const INDEX_ENTRY_BYTES: Record<number, number> = { 1: 68, 2: 72 };
const SLOTS_VERSION = 1;
const KEY_BYTES = 64;

/** Whether a file name may be a vector store (checked before reading its header). */
export function mayBeVectorFile(path: string): boolean {
  return path.endsWith('.slots') || path.endsWith('.index');
}

/**
 * The header of a vector store of `size` bytes (the part to search), or undefined when these
 * bytes are not one: then the whole file must be searched.
 */
export function vectorFileHeader(head: Buffer, size: number): Buffer | undefined {
  if (head.length < VECTOR_HEADER_BYTES || size < VECTOR_HEADER_BYTES) return undefined;
  const magic = head.toString('latin1', 0, 8);
  if (magic !== SLOTS_MAGIC && magic !== INDEX_MAGIC) return undefined;
  if (crc32(head.subarray(0, VECTOR_HEADER_BYTES - 4)) !== head.readUInt32LE(VECTOR_HEADER_BYTES - 4)) return undefined;
  const version = head.readUInt32LE(8);
  const dimension = head.readUInt32LE(12);
  const slotBytes = head.readUInt32LE(16);
  let entry: number | undefined;
  if (magic === SLOTS_MAGIC) entry = version === SLOTS_VERSION && slotBytes === KEY_BYTES + 4 * dimension + 4 ? slotBytes : undefined;
  else entry = INDEX_ENTRY_BYTES[version];
  if (entry === undefined || (size - VECTOR_HEADER_BYTES) % entry !== 0) return undefined;
  return head.subarray(0, VECTOR_HEADER_BYTES);
}

/** Reads a file's first VECTOR_HEADER_BYTES (fewer if it is shorter). */
export async function readHead(fh: FileHandle): Promise<Buffer> {
  const b = Buffer.alloc(VECTOR_HEADER_BYTES);
  let got = 0;
  while (got < b.length) {
    const { bytesRead } = await fh.read(b, got, b.length - got, got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return b.subarray(0, got);
}
