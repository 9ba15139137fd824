/**
 * Finding a request's entries without parsing the log: an erasure that names its request id asks
 * whether that id was committed already (an idempotent re-run), and parsing every entry for that
 * made each erasure slower than the one before (10,000 entries are ~10 MB of JSON). The bytes are
 * searched for the id as JSON encodes it (`"…"`), and only the lines that hold it are parsed and
 * checked, as readLog would (valid entries, canonical or not). Not a verification: `erase audit
 * verify` is that.
 */
import { join } from 'node:path';
import { canonicalJson } from '../hash';
import { validateEntry, type AuditEntry, type AuditAction } from './entry';
import { LOG_FILE } from './files';
import { readIfExists } from './jsonl';

/** The complete, valid entries of `requestId` whose action is one of `actions`, in log order. */
export function entriesOfRequest(dir: string, requestId: string, actions: readonly AuditAction[]): AuditEntry[] {
  const bytes = readIfExists(join(dir, LOG_FILE));
  if (bytes === null) return [];
  const needle = Buffer.from(canonicalJson(requestId), 'utf8');
  const out: AuditEntry[] = [];
  let lastLineStart = -1;
  for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + needle.length)) {
    const start = bytes.lastIndexOf(0x0a, at) + 1;
    if (start === lastLineStart) continue;
    lastLineStart = start;
    const end = bytes.indexOf(0x0a, at);
    if (end < 0) break; // a torn last line is no committed entry
    const text = bytes.toString('utf8', start, end);
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      continue;
    }
    if (validateEntry(raw).length > 0) continue;
    const entry = raw as AuditEntry;
    if (entry.requestId === requestId && actions.includes(entry.action)) out.push(entry);
  }
  return out;
}
