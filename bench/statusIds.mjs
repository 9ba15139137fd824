// Every example id of a workspace, from `erase status --json --ids` (status lists them only when
// asked). A CLI built before `--ids` existed rejects the flag and lists them unasked: asked again
// without it, so a bench can still run against an older build (--cli) for its baseline.
// `erase(...args)` runs the CLI in the workspace and returns { stdout }; it throws on a failed exit.
export function statusIds(erase) {
  let out;
  try {
    out = erase('status', '--json', '--ids').stdout;
  } catch {
    out = erase('status', '--json').stdout;
  }
  const ids = JSON.parse(out).ids;
  if (!Array.isArray(ids)) throw new Error('erase status gave no ids');
  return ids;
}
