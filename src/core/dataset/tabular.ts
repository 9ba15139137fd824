/**
 * Import of TSV/CSV into JSONL records `{input, output, label}` (output = the label text, so the
 * few-shot prompt shows the label as the answer). A conversion only: the source file is never
 * modified. Rows that cannot be converted are reported with their line and left out.
 *
 * Columns: a number is a 0-based column index; a string is a header name (needs `header: true`).
 */
import { extname } from 'node:path';
import { UserError } from '../errors';
import { csvRows, tsvRows, type Row } from './delimited';
import type { JsonlRecord } from './jsonl';
import type { MalformedLine } from './types';

export type TabularFormat = 'tsv' | 'csv';
export type ColumnRef = string | number;

export interface TabularOptions {
  /** Omitted: taken from the extension of `fileName` (.tsv/.tab → tsv, .csv → csv). */
  readonly format?: TabularFormat;
  readonly fileName?: string;
  readonly textCol: ColumnRef;
  readonly labelCol?: ColumnRef;
  readonly idCol?: ColumnRef;
  /** The first row names the columns and is not imported. Default false. */
  readonly header?: boolean;
}

export interface TabularImport {
  readonly records: JsonlRecord[];
  /** 1-based source line of each record (parallel to `records`). */
  readonly recordLines: number[];
  /** Rows left out, with the reason; messages never quote the row. */
  readonly problems: MalformedLine[];
  /** Data rows read (header and blank lines excluded), imported or not. */
  readonly rowsRead: number;
}

export function formatFromPath(path: string): TabularFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.tsv' || ext === '.tab') return 'tsv';
  if (ext === '.csv') return 'csv';
  throw new UserError(`cannot tell the format of ${path} from its extension: give the format (tsv or csv)`, 'usage');
}

function resolveColumn(ref: ColumnRef, role: string, header: readonly string[] | undefined): number {
  if (typeof ref === 'number') {
    if (!Number.isSafeInteger(ref) || ref < 0) throw new UserError(`${role} column index must be a whole number ≥ 0 (0-based)`, 'usage');
    return ref;
  }
  if (!header) throw new UserError(`${role} column "${ref}" is a name, but the file has no header row: give a 0-based index or set header`, 'usage');
  const at = header.indexOf(ref);
  if (at < 0) throw new UserError(`${role} column "${ref}" is not in the header (${header.length} columns)`, 'usage');
  return at;
}

function checkColumnsFit(columns: readonly [string, number | undefined][], width: number, whose: string): void {
  for (const [role, index] of columns) {
    if (index !== undefined && index >= width) {
      throw new UserError(`${role} column index ${index} is past the last column: ${whose} ${width} column${width === 1 ? '' : 's'} (0-based indexes 0..${width - 1})`, 'usage');
    }
  }
}

export function importTabular(text: string, opts: TabularOptions): TabularImport {
  const format = opts.format ?? (opts.fileName !== undefined ? formatFromPath(opts.fileName) : undefined);
  if (!format) throw new UserError('give the format (tsv or csv) or a file name to take it from', 'usage');
  const rows: Iterator<Row> = format === 'tsv' ? tsvRows(text) : csvRows(text);

  const problems: MalformedLine[] = [];
  let header: string[] | undefined;
  let next = rows.next();
  if (opts.header) {
    // A header that cannot be read makes every column name meaningless: stop.
    while (!next.done && 'error' in next.value) {
      problems.push({ line: next.value.line, ...next.value.error });
      next = rows.next();
    }
    if (next.done) throw new UserError('the file has no header row', 'input');
    header = (next.value as { fields: string[] }).fields;
    next = rows.next();
  }
  const textIdx = resolveColumn(opts.textCol, 'text', header);
  const labelIdx = opts.labelCol === undefined ? undefined : resolveColumn(opts.labelCol, 'label', header);
  const idIdx = opts.idCol === undefined ? undefined : resolveColumn(opts.idCol, 'id', header);
  const columns: [string, number | undefined][] = [
    ['text', textIdx],
    ['label', labelIdx],
    ['id', idIdx],
  ];

  // Every row must have the header's width, or without a header the first row's width.
  let width = header?.length;
  if (width !== undefined) checkColumnsFit(columns, width, 'the header has');

  const records: JsonlRecord[] = [];
  const recordLines: number[] = [];
  const seenIds = new Map<string, number>();
  let rowsRead = 0;
  for (; !next.done; next = rows.next()) {
    const row = next.value;
    rowsRead++;
    if ('error' in row) {
      problems.push({ line: row.line, ...row.error });
      continue;
    }
    const f = row.fields;
    if (width === undefined) {
      // An index past the table is the user's mistake, not every row's: say so instead of skipping them all.
      checkColumnsFit(columns, f.length, `the first row (line ${row.line}) has`);
      width = f.length;
    }
    if (f.length !== width) {
      problems.push({ line: row.line, column: 1, message: `row has ${f.length} columns, expected ${width}` });
      continue;
    }
    const input = f[textIdx];
    if (input.trim() === '') {
      problems.push({ line: row.line, column: 1, message: 'text column is empty' });
      continue;
    }
    let id: string | undefined;
    if (idIdx !== undefined) {
      id = f[idIdx];
      if (id === '') {
        problems.push({ line: row.line, column: 1, message: 'id column is empty' });
        continue;
      }
      const first = seenIds.get(id);
      if (first !== undefined) {
        problems.push({ line: row.line, column: 1, message: `duplicate id, also on line ${first}` });
        continue;
      }
      seenIds.set(id, row.line);
    }
    const label = labelIdx === undefined ? undefined : f[labelIdx];
    records.push({
      ...(id !== undefined ? { id } : {}),
      input,
      output: label ?? '',
      ...(label !== undefined ? { label } : {}),
    });
    recordLines.push(row.line);
  }
  return { records, recordLines, problems, rowsRead };
}
