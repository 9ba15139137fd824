// Wall-clock marks (epoch ms) of the extension host's side of the workbench's first open: when the
// extension activated, when its startup refresh ran, when the command ran, the panel was created,
// the page said `ready` and the map went out. The panel sends them to the page after the map, so
// the UI benchmark (test/e2e/mapBench.js) can split the user's wait into its parts. Epoch ms, not
// performance.now(): the browser and the test process measure on the same clock. Never shapes state.
const marks: Record<string, number> = { load: Date.now() };

/** Records `name` the first time only (the first open is what is measured). */
export function markOpen(name: string): void {
  if (!(name in marks)) marks[name] = Date.now();
}

export function openMarks(): Record<string, number> {
  return { ...marks };
}
