// The host's share of the map's first paint (issue 9 item 5): what the extension host does when the
// workbench first opens, in process, in the order WorkbenchPanel.pushAll does it — the map (this
// code: from its picture file, mapPicture) and the status, then the audit log, the requests and the
// dashboard. Each run is a fresh process (no cache from an earlier run). With --old-src (a copy of an
// earlier src/), runs of that code (status first, then map2d + examples, as its pushAll did) are
// interleaved with this code's, on the same workspace; --no-picture deletes the picture file before
// each run of this code (the first open after an erasure). Prints one line per run.
//
// usage: node --import tsx bench/first-open.ts --from DIR (a clustered workspace) [--runs 3] [--old-src DIR] [--no-picture]
import { spawnSync } from 'node:child_process';
import { readdirSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    from: { type: 'string' },
    runs: { type: 'string', default: '3' },
    'old-src': { type: 'string' },
    'no-picture': { type: 'boolean', default: false },
    child: { type: 'string' },
    src: { type: 'string' },
  },
});

interface Workspace {
  stateDir: string;
  paths: { stateDir: string };
  status(): { clustered: boolean };
  map2d(): Promise<{ ids: readonly string[] }>;
  examples(): { id: string; label?: string }[];
  mapPicture?(): Promise<{ ids: readonly string[] } | null>;
}

async function child(variant: string, src: string, dir: string): Promise<void> {
  const core = await import(join(resolve(src), 'core', 'index.ts'));
  const marks: string[] = [];
  const t0 = performance.now();
  const mark = (name: string) => marks.push(`${name}=${(performance.now() - t0).toFixed(0)}ms`);
  const ws: Workspace = core.EraseWorkspace.open(dir);
  await core.recoverErasure(ws);
  mark('open');
  let n = 0;
  if (variant === 'old') {
    ws.status();
    mark('status');
    if (ws.status().clustered) {
      const m = await ws.map2d();
      const labelOf = new Map(ws.examples().map((e) => [e.id, e.label] as const));
      n = m.ids.filter((id) => labelOf.has(id)).length;
    }
    mark('MAP');
  } else {
    n = (await ws.mapPicture!())?.ids.length ?? 0;
    mark('MAP');
    ws.status();
    mark('status');
  }
  await core.readLog(join(ws.stateDir, 'audit'));
  core.listRequests(ws);
  await core.workspaceDashboard(ws);
  mark('dashboard');
  console.log(`${variant} n=${n} ${marks.join(' ')}`);
}

function removePictures(dir: string): void {
  const stateDir = join(dir, '.erase', 'state');
  for (const f of readdirSync(stateDir)) if (/^map-[0-9a-f]{64}\.bin$/.test(f)) unlinkSync(join(stateDir, f));
}

async function main(): Promise<void> {
  if (values.child) return child(values.child, values.src!, values.from!);
  if (!values.from) throw new Error('usage: --from DIR (a clustered workspace)');
  const here = resolve(__dirname, '..', 'src');
  const run = (variant: string, src: string) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child', variant, '--src', src, '--from', values.from!], { encoding: 'utf8' });
    process.stdout.write(r.stdout + r.stderr);
  };
  for (let i = 0; i < Number(values.runs); i++) {
    if (values['old-src']) run('old', values['old-src']);
    if (values['no-picture']) removePictures(values.from);
    run(values['no-picture'] ? 'new-no-picture' : 'new', here);
  }
}

void main();
