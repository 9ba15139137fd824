/**
 * Import of a TSV/CSV file into a JSONL data set file: strict UTF-8, an output that is never the
 * input, and an atomic write. Shared by the CLI and the extension.
 */
import { readFileSync, statSync, type Stats } from 'node:fs';
import { UserError } from '../errors';
import { namingFile } from '../ioErrors';
import { writeFileAtomic } from '../storage/atomicWrite';
import { serializeRecord } from './jsonl';
import { importTabular, type TabularImport, type TabularOptions } from './tabular';
import { decodeUtf8File } from './utf8';

const statOrUndefined = (path: string): Stats | undefined => {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
};

/**
 * Refuses an input that is not a regular file, and an output that would overwrite the input (same
 * real path, through a symlink, a `./` prefix or a hard link) or that is not a regular file (a
 * folder, a device such as /dev/null, which an atomic rename would replace).
 */
export function checkImportTarget(input: string, out: string): void {
  const inStat = statOrUndefined(input);
  // A device or a pipe (/dev/zero) could be read forever; a folder is a mistake.
  if (inStat !== undefined && !inStat.isFile()) throw new UserError(`the input ${input} is not a regular file: give a .tsv or .csv file`, 'usage');
  const outStat = statOrUndefined(out);
  // stat follows symlinks, and `./`, `..` or a hard link reach the same inode: one test covers all.
  if (inStat !== undefined && outStat !== undefined && inStat.dev === outStat.dev && inStat.ino === outStat.ino) {
    throw new UserError(`the output ${out} is the input file itself: give another file for the JSONL output (the table is never modified)`, 'usage');
  }
  if (outStat !== undefined && !outStat.isFile()) throw new UserError(`the output ${out} exists and is not a regular file: give the path of a file to write`, 'usage');
}

/** Reads, converts and writes; returns what was imported and the rows left out. Writes nothing on an error. */
export function importTableFile(input: string, out: string, opts: Omit<TabularOptions, 'fileName'>): TabularImport {
  checkImportTarget(input, out);
  const bytes = namingFile(input, () => readFileSync(input));
  const res = importTabular(decodeUtf8File(bytes, input), { ...opts, fileName: input });
  namingFile(out, () => writeFileAtomic(out, res.records.map((r) => serializeRecord(r) + '\n').join('')));
  return res;
}
