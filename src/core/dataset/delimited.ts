/**
 * Row readers for delimited text. TSV is a plain split on TAB (SST-2 and AG News use no quoting,
 * so a `"` there is literal text); CSV follows RFC 4180 (quoted fields may hold commas, doubled
 * quotes and line breaks; a CR LF inside quotes is read as LF). Both yield the 1-based physical line where each row starts.
 */

export type Row = { readonly line: number; readonly fields: string[] } | { readonly line: number; readonly error: { readonly column: number; readonly message: string } };

/** Splits text into lines (LF or CR LF) without a trailing empty line; drops a leading BOM. */
function physicalLines(text: string): string[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body === '') return [];
  const lines = body.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

export function* tsvRows(text: string): Generator<Row> {
  const lines = physicalLines(text);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '') continue; // blank lines are not rows
    yield { line: i + 1, fields: lines[i].split('\t') };
  }
}

/**
 * RFC 4180 reader. A quote in the middle of an unquoted field is taken literally (lenient, as
 * most spreadsheets export it). A bad row (text after a closing quote, an unterminated quote)
 * is reported and reading resumes on the next physical line, so one stray quote cannot swallow
 * the rest of the file.
 */
export function* csvRows(text: string): Generator<Row> {
  const lines = physicalLines(text);
  let li = 0;
  while (li < lines.length) {
    const startLine = li;
    if (lines[li] === '') {
      li++;
      continue;
    }
    const fields: string[] = [];
    let field = '';
    let s = lines[li];
    let i = 0;
    let error: { line: number; column: number; message: string } | undefined;
    for (;;) {
      if (s.charCodeAt(i) === 0x22) {
        // Quoted field: may continue over physical lines. Errors point at its opening quote
        // when it spans lines, since a stray quote is the usual cause.
        const openLine = li;
        const openCol = i + 1;
        i++;
        for (;;) {
          const q = s.indexOf('"', i);
          if (q < 0) {
            field += s.slice(i);
            if (li + 1 >= lines.length) {
              error = { line: openLine + 1, column: openCol, message: 'quoted field opened here is not closed before the end of the file' };
              break;
            }
            field += '\n';
            li++;
            s = lines[li];
            i = 0;
            continue;
          }
          field += s.slice(i, q);
          if (s.charCodeAt(q + 1) === 0x22) {
            field += '"';
            i = q + 2;
            continue;
          }
          i = q + 1;
          break;
        }
        if (error) break;
        if (i < s.length && s.charCodeAt(i) !== 0x2c) {
          error =
            li === openLine
              ? { line: li + 1, column: i + 1, message: 'unexpected text after a closing quote (a quote inside a quoted field must be doubled)' }
              : {
                  line: openLine + 1,
                  column: openCol,
                  message: `quoted field opened here closes on line ${li + 1} before unexpected text (a quote inside a field must be doubled)`,
                };
          break;
        }
      } else {
        const comma = s.indexOf(',', i);
        const stop = comma < 0 ? s.length : comma;
        field += s.slice(i, stop);
        i = stop;
      }
      fields.push(field);
      field = '';
      if (i >= s.length) break;
      i++; // past the comma; a trailing comma yields one more (empty) field on the next turn
    }
    if (error) {
      yield { line: error.line, error: { column: error.column, message: error.message } };
      li = startLine + 1; // resume after the row's first line
      continue;
    }
    yield { line: startLine + 1, fields };
    li++;
  }
}
