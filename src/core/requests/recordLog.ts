/**
 * The deletion-request records as an append-only log, so that recording an erasure costs the same
 * after 10,000 earlier ones as after none (the single JSON file it replaces was read and rewritten
 * whole on every change: 1.97 MB after 2,000 erasures).
 *
 *   requests.jsonl  one line per record version: {"first":N,"record":{…}}. A change appends the
 *                   record's new version (durably), then blanks its older lines in place (spaces,
 *                   same length, synced): erased means gone, so the text a waiting request matched
 *                   by leaves no copy behind. `first` is the offset of the record's first version,
 *                   which keeps the list in the order the records were created.
 *   requests.idx    16 bytes per line: u32 hash of the request id | u32 line length | u48 offset |
 *                   u16 0. Derived data: it may lag the log (a crash between the two appends) or be
 *                   missing, and is then completed from the log; every line it points at is checked
 *                   to be a whole line holding the request id asked for, and an index that points
 *                   elsewhere is rebuilt from the log.
 * When blanks outweigh live lines the log is compacted (rewritten atomically, the index rebuilt).
 * Appends and compaction run under the workspace lock (every record change does); readers take
 * none and ignore a torn last line.
 */
import { closeSync, constants, existsSync, fstatSync, ftruncateSync, openSync, readFileSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { UserError } from '../errors';
import { appendLineDurably } from '../storage/appendLine';
import { O_NOFOLLOW, PRIVATE_FILE_MODE, writeDerivedFile, writeFileAtomic } from '../storage/atomicWrite';
import { syncFile, writeStep } from '../storage/writeSteps';

const ENTRY = 16;
const SPACE = 0x20;
const NEWLINE = 0x0a;

interface Line<T> {
  readonly offset: number;
  readonly length: number;
  readonly first: number;
  readonly record: T;
}

function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function isBlank(b: Uint8Array, start: number, end: number): boolean {
  // A line being blanked when a crash came starts with spaces: it is treated as blank.
  return start >= end || b[start] === SPACE || b[start] === 0x0d;
}

export class RecordLog<T extends { readonly requestId: string }> {
  constructor(
    readonly path: string,
    private readonly indexPath: string,
    private readonly what: string,
  ) {}

  exists(): boolean {
    return existsSync(this.path);
  }

  /** Every live record, in the order they were created. */
  all(): T[] {
    const lines = this.scan(this.readLog(), 0).filter((l) => l !== null);
    const latest = new Map<string, Line<T>>();
    for (const l of lines) latest.set(l.record.requestId, l);
    return [...latest.values()].sort((a, b) => a.first - b.first).map((l) => l.record);
  }

  /** The live version of one record, through the index: O(index) bytes read, one line parsed. */
  get(requestId: string): T | undefined {
    return this.find(requestId)?.record;
  }

  private find(requestId: string): Line<T> | undefined {
    return this.versions(requestId, true).lines.at(-1);
  }

  /** Appends the record's new version and blanks its older ones; compacts when blanks outweigh live lines. Under the workspace lock. */
  put(record: T): void {
    const { lines: older, index, indexBytes } = this.versions(record.requestId);
    const first = older.length > 0 ? Math.min(...older.map((l) => l.first)) : -1;
    let offset = 0;
    const cutTornTail = (fd: number) => {
      offset = cutTorn(fd);
    };
    // The first version's own offset is known only once it is appended: -1 stands for "this line".
    const text = JSON.stringify({ first, record });
    appendLineDurably(this.path, text, this.what, cutTornTail);
    const length = Buffer.byteLength(text, 'utf8') + 1;
    this.appendIndex(index, indexBytes, hashId(record.requestId), length, offset);
    if (older.length > 0) {
      this.blank(older);
      this.compactIfSparse(index);
    }
  }

  /** Blanks every version of the record but the live one (a roll-forward that finds the change made finishes it this way). */
  dropOlderVersions(requestId: string): void {
    const { lines } = this.versions(requestId);
    if (lines.length > 1) this.blank(lines.slice(0, -1));
  }

  /** Writes the whole log afresh from these records (migration, compaction), and its index. Under the workspace lock. */
  rewrite(records: readonly T[]): void {
    const parts: string[] = [];
    const entries = Buffer.alloc(records.length * ENTRY);
    let offset = 0;
    records.forEach((record, i) => {
      const text = JSON.stringify({ first: offset, record }) + '\n';
      entries.writeUInt32LE(hashId(record.requestId), i * ENTRY);
      entries.writeUInt32LE(Buffer.byteLength(text, 'utf8'), i * ENTRY + 4);
      entries.writeUIntLE(offset, i * ENTRY + 8, 6);
      offset += Buffer.byteLength(text, 'utf8');
      parts.push(text);
    });
    // The log, then its index (derived: an index that does not match the log is rebuilt from it).
    writeFileAtomic(this.path, parts.join(''));
    writeDerivedFile(this.indexPath, entries);
  }

  // ---- internals

  private openLog(flags: number): number {
    try {
      return openSync(this.path, flags | O_NOFOLLOW);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw new UserError(`${this.path} is a symbolic link: replace it with the real file`, 'check');
      throw e;
    }
  }

  private readLog(): Buffer {
    if (!existsSync(this.path)) return Buffer.alloc(0);
    const fd = this.openLog(constants.O_RDONLY);
    try {
      return readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Every version of one record, oldest first (only the newest when `newestOnly`), through the
   * index; `indexBytes` is the size of the index file as read. An entry that does not point at a
   * whole line of the log (an index left from before a compaction a crash cut) makes it rebuild
   * the index from the log and look again.
   */
  private versions(requestId: string, newestOnly = false): { lines: Line<T>[]; index: Buffer; indexBytes: number } {
    if (!existsSync(this.path)) return { lines: [], index: Buffer.alloc(0), indexBytes: -1 };
    const fd = this.openLog(constants.O_RDONLY);
    try {
      const size = fstatSync(fd).size;
      const { index, fileBytes } = this.readIndex(fd, size, false);
      const found = this.lookUp(fd, index, requestId, newestOnly);
      if (found !== null) return { lines: found, index, indexBytes: fileBytes };
      const rebuilt = this.readIndex(fd, size, true).index;
      return { lines: this.lookUp(fd, rebuilt, requestId, newestOnly) ?? [], index: rebuilt, indexBytes: fileBytes };
    } finally {
      closeSync(fd);
    }
  }

  /** The lines the index names for the id; null if an entry does not point at a whole line. */
  private lookUp(fd: number, index: Buffer, requestId: string, newestOnly: boolean): Line<T>[] | null {
    const h = hashId(requestId);
    const out: Line<T>[] = [];
    for (let i = index.length - ENTRY; i >= 0; i -= ENTRY) {
      if (index.readUInt32LE(i) !== h) continue;
      const line = this.readLine(fd, index.readUIntLE(i + 8, 6), index.readUInt32LE(i + 4));
      if (line === 'bad') return null;
      if (line && line.record.requestId === requestId) {
        out.unshift(line);
        if (newestOnly) break;
      }
    }
    return out;
  }

  /**
   * The index entries covering the log's complete lines: the file as it is when it ends exactly at
   * the log's last complete line, else completed from the log (its tail scanned, or all of it).
   */
  private readIndex(fd: number, size: number, rebuild: boolean): { index: Buffer; fileBytes: number } {
    let index: Buffer;
    try {
      index = readFileSync(this.indexPath);
    } catch {
      index = Buffer.alloc(0);
    }
    const fileBytes = index.length;
    if (index.length % ENTRY !== 0 || rebuild) index = Buffer.alloc(0);
    const covered = index.length === 0 ? 0 : index.readUIntLE(index.length - ENTRY + 8, 6) + index.readUInt32LE(index.length - ENTRY + 4);
    if (covered === size) return { index, fileBytes };
    // Completed from the index's end when that is a line boundary of the log; rebuilt otherwise.
    const boundary = Buffer.alloc(1);
    if (covered > size || (covered > 0 && (readFully(fd, boundary, covered - 1) !== 1 || boundary[0] !== NEWLINE))) index = Buffer.alloc(0);
    const from = index.length === 0 ? 0 : covered;
    const tail = Buffer.alloc(size - from);
    readFully(fd, tail, from);
    const extra = this.scan(tail, from);
    const more = Buffer.alloc(extra.length * ENTRY);
    let n = 0;
    for (const l of extra) {
      if (l === null) continue;
      more.writeUInt32LE(hashId(l.record.requestId), n);
      more.writeUInt32LE(l.length, n + 4);
      more.writeUIntLE(l.offset, n + 8, 6);
      n += ENTRY;
    }
    return { index: Buffer.concat([index, more.subarray(0, n)]), fileBytes };
  }

  /** The complete lines of `bytes` (which start at `base` in the log); null for a blank line. */
  private scan(bytes: Buffer, base: number): (Line<T> | null)[] {
    const out: (Line<T> | null)[] = [];
    let start = 0;
    for (;;) {
      const end = bytes.indexOf(NEWLINE, start);
      if (end < 0) break; // a torn last line: not written yet, or cut by a crash
      out.push(this.parse(bytes, start, end, base + start));
      start = end + 1;
    }
    return out;
  }

  /** The line at `offset` (null if blank), or 'bad' when the bytes there are not one whole line of ours. */
  private readLine(fd: number, offset: number, length: number): Line<T> | null | 'bad' {
    if (length < 1) return 'bad';
    // One byte before the line too: a line starts the file or follows a newline.
    const from = offset > 0 ? offset - 1 : 0;
    const b = Buffer.alloc(length + offset - from);
    if (readFully(fd, b, from) !== b.length || b[b.length - 1] !== NEWLINE || (offset > 0 && b[0] !== NEWLINE)) return 'bad';
    const start = offset - from;
    if (b.indexOf(NEWLINE, start) !== b.length - 1) return 'bad';
    try {
      return this.parse(b, start, b.length - 1, offset);
    } catch {
      return 'bad';
    }
  }

  private parse(b: Buffer, start: number, end: number, offset: number): Line<T> | null {
    if (isBlank(b, start, end)) return null;
    try {
      const v = JSON.parse(b.toString('utf8', start, end)) as { first: number; record: T };
      if (typeof v.record?.requestId === 'string' && typeof v.first === 'number')
        return { offset, length: end + 1 - start, first: v.first < 0 ? offset : v.first, record: v.record };
    } catch {
      /* below */
    }
    throw new UserError(`${this.path} is damaged: restore it from a backup or move it aside (the audit log still holds every erasure)`, 'input');
  }

  /**
   * Adds the entry of the line just appended. `index` is the index as completed from the log; when
   * the file held less (it lagged, or was rebuilt), the whole index is written, else one entry.
   * Not synced: an index that lags its log is completed from the log (readIndex).
   */
  private appendIndex(index: Buffer, fileBytes: number, hash: number, length: number, offset: number): void {
    const e = Buffer.alloc(ENTRY);
    e.writeUInt32LE(hash, 0);
    e.writeUInt32LE(length, 4);
    e.writeUIntLE(offset, 8, 6);
    if (fileBytes !== index.length) {
      writeDerivedFile(this.indexPath, Buffer.concat([index, e]));
      return;
    }
    const fd = openSync(this.indexPath, constants.O_WRONLY | constants.O_CREAT | O_NOFOLLOW, PRIVATE_FILE_MODE);
    try {
      writeSync(fd, e, 0, ENTRY, index.length);
    } finally {
      closeSync(fd);
    }
  }

  /** Overwrites these lines with spaces in place (their newline kept) and syncs. */
  private blank(lines: readonly Line<T>[]): void {
    const fd = this.openLog(constants.O_WRONLY);
    try {
      for (const l of lines) {
        const spaces = Buffer.alloc(l.length - 1, SPACE);
        writeSync(fd, spaces, 0, spaces.length, l.offset);
        writeStep('write-in-place', this.path);
      }
      syncFile(fd, this.path);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Compacts when the log holds more older versions (blanked lines) than records: judged from the
   * index (entries against distinct ids), so an append never reads the log. Amortised O(1): after
   * a compaction, as many lines must be blanked again before the next.
   */
  private compactIfSparse(index: Buffer): void {
    const entries = index.length / ENTRY + 1;
    if (entries < 256) return;
    const ids = new Set<number>();
    for (let i = 0; i < index.length; i += ENTRY) ids.add(index.readUInt32LE(i));
    if ((entries - ids.size) * 2 < entries) return;
    this.rewrite(this.all());
  }
}

/** Cuts a torn last line (a crash mid-append) and returns the offset the next line goes to. */
function cutTorn(fd: number): number {
  const size = fstatSync(fd).size;
  if (size === 0) return 0;
  const tail = Buffer.alloc(Math.min(size, 1 << 20));
  readFully(fd, tail, size - tail.length);
  if (tail[tail.length - 1] === NEWLINE) return size;
  const last = tail.lastIndexOf(NEWLINE);
  const keep = last < 0 ? (tail.length === size ? 0 : size) : size - tail.length + last + 1;
  if (keep !== size) ftruncateSync(fd, keep);
  return keep;
}

function readFully(fd: number, b: Buffer, position: number): number {
  let got = 0;
  while (got < b.length) {
    const n = readSync(fd, b, got, b.length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

export function removeIfExists(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}
