// Localisation: every %key% in package.json has an English string in package.nls.json (and none
// is left over), and l10n/bundle.l10n.json holds every vscode.l10n.t string of the extension.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
// @ts-expect-error plain .mjs helper without types
import { extractL10nStrings } from '../../scripts/l10n-extract.mjs';

const pkgText = readFileSync('package.json', 'utf8');
const nls = JSON.parse(readFileSync('package.nls.json', 'utf8')) as Record<string, string>;

test('every %key% in package.json is in package.nls.json, and every nls key is used', () => {
  const keys = [...pkgText.matchAll(/"%([^"%]+)%"/g)].map((m) => m[1]);
  assert.ok(keys.length >= 40, `keys: ${keys.length}`);
  assert.deepEqual(
    keys.filter((k) => !(k in nls)),
    [],
  );
  assert.deepEqual(
    Object.keys(nls).filter((k) => !keys.includes(k)),
    [],
  );
});

test('contributed titles, view names, descriptions and walkthrough text are all localisable', () => {
  const c = JSON.parse(pkgText).contributes;
  const literal = (v: unknown) => typeof v === 'string' && !/^%.+%$/.test(v);
  const offenders = [
    ...c.commands.filter((x: { title: string }) => literal(x.title)).map((x: { command: string }) => x.command),
    ...c.views.erase.filter((x: { name: string }) => literal(x.name)).map((x: { id: string }) => x.id),
    ...c.viewsWelcome.filter((x: { contents: string }) => literal(x.contents)).map((x: { view: string }) => x.view),
    ...Object.entries(c.configuration.properties)
      .filter(([, p]) => literal((p as { description: string }).description))
      .map(([k]) => k),
    ...c.walkthroughs.flatMap((w: { title: string; description: string; steps: { id: string; title: string; description: string }[] }) =>
      [w.title, w.description, ...w.steps.flatMap((s) => [s.title, s.description])].filter(literal),
    ),
  ];
  assert.deepEqual(offenders, []);
});

test('l10n/bundle.l10n.json is current (node scripts/l10n-extract.mjs)', () => {
  const bundle = JSON.parse(readFileSync('l10n/bundle.l10n.json', 'utf8')) as Record<string, string>;
  const strings = extractL10nStrings('src/extension') as string[];
  assert.ok(strings.length > 50);
  assert.deepEqual(
    strings.filter((s) => !(s in bundle)),
    [],
  );
});
