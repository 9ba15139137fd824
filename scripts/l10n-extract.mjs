// Regenerates l10n/bundle.l10n.json (the English runtime bundle) from the vscode.l10n.t('…') calls
// in src/extension/. Run: node scripts/l10n-extract.mjs   (test/unit/l10n.test.ts checks it is current)
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function extractL10nStrings(dir) {
  const out = new Set();
  const walk = (d) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.ts')) {
        for (const m of readFileSync(p, 'utf8').matchAll(/l10n\.t\(\s*'((?:[^'\\]|\\.)*)'/g)) out.add(m[1].replace(/\\(.)/g, '$1'));
      }
    }
  };
  walk(dir);
  return [...out].sort();
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const strings = extractL10nStrings('src/extension');
  writeFileSync('l10n/bundle.l10n.json', JSON.stringify(Object.fromEntries(strings.map((s) => [s, s])), null, 2) + '\n');
  console.log(`l10n/bundle.l10n.json: ${strings.length} strings`);
}
