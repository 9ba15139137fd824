// Sums a V8 .cpuprofile (node --cpu-prof) per function: inclusive and self milliseconds, the
// children of one function, and the callers (4 levels up) of another. Used to find what a CLI
// command spends its time on, e.g. one `erase delete` at 1M lines:
//   node --cpu-prof --cpu-prof-dir=/tmp/prof --cpu-prof-interval 200 dist/cli.js delete --id ID --skip-scan
//   node bench/cpuprofile.mjs /tmp/prof/CPU.*.cpuprofile [--top 40] [--filter cli.js] [--children linesOfIds] [--callers update]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '40' }, filter: { type: 'string' }, children: { type: 'string' }, callers: { type: 'string' } },
});
if (positionals.length !== 1) throw new Error('usage: node bench/cpuprofile.mjs FILE.cpuprofile [--top N] [--filter TEXT] [--children NAME] [--callers NAME]');
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
// Sampled time per node: each sample's interval (µs) goes to the node it hit.
const sampled = new Map();
profile.samples.forEach((id, i) => sampled.set(id, (sampled.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000));
const label = (n) => {
  const f = n.callFrame;
  return `${f.functionName || '(anon)'} ${(f.url || '').split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
};
const nodeTotal = new Map();
const inclusiveOf = (n) => {
  if (!nodeTotal.has(n.id)) nodeTotal.set(n.id, (sampled.get(n.id) ?? 0) + (n.children ?? []).reduce((t, c) => t + inclusiveOf(byId.get(c)), 0));
  return nodeTotal.get(n.id);
};
const self = new Map();
const inclusive = new Map();
let total = 0;
for (const [id, ms] of sampled) {
  total += ms;
  const n = byId.get(id);
  self.set(label(n), (self.get(label(n)) ?? 0) + ms);
  // A recursive function counts once per sample.
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = label(byId.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + ms);
  }
}
const print = (title, m, top = Number(values.top)) => {
  console.log(`\n== ${title}`);
  const rows = [...m].filter(([k]) => !values.filter || k.includes(values.filter)).sort((a, b) => b[1] - a[1]);
  for (const [k, ms] of rows.slice(0, top)) console.log(`${ms.toFixed(1).padStart(9)}  ${k}`);
};
console.log(`sampled: ${total.toFixed(1)} ms`);
print('inclusive ms', inclusive);
print('self ms', self);
if (values.children) {
  const kids = new Map();
  for (const n of profile.nodes)
    if (n.callFrame.functionName === values.children)
      for (const c of n.children ?? []) kids.set(label(byId.get(c)), (kids.get(label(byId.get(c))) ?? 0) + inclusiveOf(byId.get(c)));
  print(`children of ${values.children} (inclusive ms)`, kids, Infinity);
}
if (values.callers) {
  const chains = new Map();
  for (const n of profile.nodes) {
    if (n.callFrame.functionName !== values.callers) continue;
    const chain = [];
    for (let cur = parent.get(n.id); cur !== undefined && chain.length < 4; cur = parent.get(cur)) chain.push(byId.get(cur).callFrame.functionName || '(anon)');
    const k = chain.join(' < ');
    chains.set(k, (chains.get(k) ?? 0) + inclusiveOf(n));
  }
  print(`callers of ${values.callers} (inclusive ms)`, chains);
}
