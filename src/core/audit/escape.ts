/**
 * Escaping for report formats. Every field of an audit entry is caller- or attacker-supplied
 * text as far as a report is concerned, so nothing is interpolated raw.
 */

/** Markup that has already been escaped (only `html` creates it). */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c]);
}

/**
 * Tagged template that escapes every interpolation unless it is SafeHtml (made by this tag);
 * arrays are joined. Raw interpolation is impossible by construction.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  values.forEach((v, i) => {
    out += render(v) + strings[i + 1];
  });
  return new SafeHtml(out);
}

function render(v: unknown): string {
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(v);
}

/**
 * One CSV cell: always quoted, quotes doubled (RFC 4180), and a leading = + - @ tab or CR
 * prefixed with ' so spreadsheet programs show text instead of evaluating a formula.
 */
export function csvCell(value: unknown): string {
  let s = value === undefined || value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

export function csvRow(values: readonly unknown[]): string {
  return values.map(csvCell).join(',') + '\r\n';
}

/**
 * Text for a Markdown table cell or line: HTML-significant characters become entities
 * (Markdown renders raw HTML), Markdown punctuation is backslash-escaped, and line breaks
 * become spaces so a value cannot start a new block or table row.
 */
export function escapeMarkdown(value: unknown): string {
  return String(value ?? '')
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_{}[\]()#+\-.!|~])/g, '\\$1');
}
