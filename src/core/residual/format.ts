import type { ResidualHit, ResidualReport } from './types';

function place(h: ResidualHit): string {
  const line = h.line !== undefined ? `:${h.line}` : '';
  const at = h.commit ? ` @ ${h.commit.slice(0, 12)}` : '';
  const how = h.match === 'exact' ? '' : ' (whitespace-normalised)';
  return `  ${h.path}${line}${at}  needle #${h.needleIndex}${how}`;
}

const TITLES: Record<ResidualHit['kind'], string> = {
  file: 'Files in the workspace',
  'git-index': 'Git index (staged)',
  'git-history': 'Git history',
};

/** Human summary: places and advice only. The report holds no text, so neither does this. */
export function formatResidualReport(r: ResidualReport): string {
  const lines: string[] = [];
  lines.push(`Residual-copy scan: ${r.hits.length} copy(ies) found; ${r.filesScanned} file(s) and ${r.revisionsScanned} revision(s) scanned.`);
  for (const kind of ['file', 'git-index', 'git-history'] as const) {
    const hits = r.hits.filter((h) => h.kind === kind);
    if (hits.length === 0) continue;
    lines.push('', `${TITLES[kind]}:`);
    for (const h of hits) lines.push(place(h));
  }
  if (r.provenance && r.provenance.length > 0) {
    lines.push('', 'Recorded completions (.erase/provenance.jsonl; `erase provenance --flagged` lists the flagged ones):');
    for (const p of r.provenance)
      lines.push(
        `  ${p.completion}  ${p.how === 'answer-text' ? `answer holds needle #${p.needleIndex}` : p.how === 'flagged' ? 'flagged for review: its prompt held an erased example' : 'its prompt names an erased example'}`,
      );
  }
  if (r.skipped.length > 0) {
    lines.push('', 'Not searched:');
    for (const s of r.skipped) lines.push(`  ${s.path}: ${s.reason}`);
  }
  lines.push('', 'What to do:');
  for (const g of r.guidance) lines.push(`  - ${g}`);
  return `${lines.join('\n')}\n`;
}
