// Workbench webview entry: builds the page from DOM nodes (never from HTML strings), says `ready`,
// then renders what the host sends. Saved state holds ids and view settings only.
import './startMark';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import { isMapDeltaView, isMapView, isSavedViewState, withoutErased, type MapView, type ReceiptView, type SavedViewState, type StatusView } from '../src/shared/protocol';
import { AuditLog } from './audit';
import { UnlearningCost } from './cost';
import { Dashboard } from './dashboard';
import { Evaluate } from './evaluate';
import { byId, h, replaceChildren } from './dom';
import { Inspector } from './inspector';
import { ClusterMap } from './map';
import { Playground } from './playground';
import { DeletionRequests } from './requests';
import { DuplicatesPanel } from './duplicates';
import { ExampleList } from './exampleList';
import { exportToFile } from './exporting';
import { MapReceiver } from './mapReceiver';
import { MapLegend } from './legend';
import { MapSearch } from './search';
import { command, on, request, saveState, start, vscodeApi } from './rpc';
import { Tooltip, clearExampleCache } from './tooltip';
import { markActiveTab, wireTabBar } from './tabs';

const TABS = [
  ['dashboard', 'Dashboard'],
  ['map', 'Cluster map'],
  ['list', 'Examples (list)'],
  ['explore', 'Duplicates & outliers'],
  ['playground', 'Prompt playground'],
  ['requests', 'Deletion requests'],
  ['audit', 'Audit log'],
  ['evaluate', 'Evaluate'],
  ['cost', 'Unlearning cost'],
] as const;
const saved = vscodeApi.getState();
const state: SavedViewState = isSavedViewState(saved)
  ? saved
  : { tab: 'dashboard', view: { x: 0, y: 0, scale: 1 }, selected: [], withExamples: true, colorBy: 'cluster', hiddenClusters: [] };
const persist = () => saveState(state);

const app = byId('app');
const status = h('div', { id: 'status', class: 'status', 'aria-live': 'polite' }, 'Loading…');
const nav = h('nav', { class: 'tabs', role: 'tablist', 'aria-label': 'workbench views' });
const panels = new Map<string, HTMLElement>();
for (const [id, title] of TABS) {
  const b = h('button', { id: `tab-${id}`, role: 'tab', class: 'tab', 'data-tab': id }, title);
  b.addEventListener('click', () => showTab(id));
  nav.append(b);
  panels.set(id, h('section', { id: `panel-${id}`, class: 'panel', role: 'tabpanel', 'aria-labelledby': `tab-${id}` }));
}
wireTabBar(nav, showTab);
replaceChildren(app, h('header', {}, h('h2', {}, 'ERASE Workbench'), status), nav, ...panels.values());

function showTab(id: string): void {
  state.tab = id;
  persist();
  for (const [pid, p] of panels) p.classList.toggle('active', pid === id);
  markActiveTab(nav, id);
  if (id === 'playground') void playground.loadModels();
  if (id === 'cost') void cost.load();
  if (id === 'dashboard') void dashboard.refresh(); // deadlines pass and the CLI may have changed things: read afresh
  if (id === 'list') void exampleList.load();
  if (id === 'explore') void duplicates.refresh();
}

// map + inspector
const canvas = h('canvas', { id: 'map', class: 'map', 'aria-label': 'cluster map', 'data-point-count': '0' }) as HTMLCanvasElement;
const tooltip = new Tooltip();
const inspectorRoot = h('aside', { id: 'inspector', class: 'inspector' });
/**
 * Drops erased examples from the saved state and from every place in the page that shows them
 * (lists keyed by data-id, the tooltip cache, a playground answer that used them).
 */
function forgetErased(ids: readonly string[]): void {
  if (!ids.length) return;
  const gone = new Set(ids);
  clearExampleCache();
  Object.assign(state, withoutErased(state, ids));
  persist();
  playground.forget(gone); // first: it looks for the erased ids in its own list
  search.forget(gone);
  exampleList.forget(gone);
  for (const el of document.querySelectorAll<HTMLElement>('[data-id]')) if (gone.has(el.dataset.id ?? '')) el.remove();
  void showInspector(state.selected);
}
const onErased = (r: ReceiptView) => {
  forgetErased(r.erasedIds);
  status.dataset.lastErasure = r.requestId;
};
const exportStatus = h('div', { id: 'export-status', class: 'muted', 'aria-live': 'polite' });
const inspector = new Inspector(
  inspectorRoot,
  onErased,
  (ids) => void exportToFile({ kind: 'ids', ids }, exportStatus),
  () => {
    requests.useSelection();
    showTab('requests');
  },
);
/** Shows the selection in the inspector and offers it to the deletion-request form. */
function showInspector(ids: string[]): Promise<void> {
  requests.setSelection(ids);
  return inspector.show(ids);
}
/** Selects examples from a list (search hits, the list view, a near-duplicate group) and shows them in the inspector. */
function selectExamples(ids: string[]): void {
  map.select(ids);
  state.selected = map.selectedIds();
  persist();
  void showInspector(state.selected);
  if (state.tab !== 'map') showTab('map');
}
const map = new ClusterMap(canvas, {
  onHover: (id, x, y) => void tooltip.show(id, x, y),
  onClick: () => undefined,
  onSelect: (ids) => {
    state.selected = ids;
    persist();
    void showInspector(ids);
  },
  onViewChange: (v) => {
    state.view = { ...v };
    persist();
  },
});
map.setView(state.view);
const legend = new MapLegend(map, {
  onHiddenChange: (hidden) => {
    state.hiddenClusters = hidden;
    persist();
    map.setHiddenClusters(hidden);
    legend.render();
  },
  onColorByChange: (mode) => {
    state.colorBy = mode;
    persist();
    map.setColorBy(mode);
  },
  onExportCluster: (cluster) => void exportToFile({ kind: 'cluster', cluster }, exportStatus),
});
legend.restore(state.colorBy ?? 'cluster', state.hiddenClusters ?? []);
map.setColorBy(legend.mode);
map.setHiddenClusters(state.hiddenClusters ?? []);
const search = new MapSearch({
  onHits: (ids) => map.setHits(ids),
  onSelect: selectExamples,
  onExport: (ids) => void exportToFile({ kind: 'ids', ids }, exportStatus),
});
/** Cluster names for the legend and the list view (core's describe; refreshed with every map). */
async function refreshClusterNames(): Promise<void> {
  try {
    const { clusters } = await request('describeClusters', {});
    legend.setClusters(clusters);
    exampleList.setClusters(clusters);
  } catch {
    legend.setClusters([]); // not clustered (yet): no names to show
  }
}
panels
  .get('map')!
  .append(
    h(
      'div',
      { class: 'map-layout' },
      h(
        'div',
        { class: 'map-wrap' },
        search.el,
        map.el,
        h('div', { class: 'legend muted' }, 'drag: pan · wheel: zoom · click: select · ctrl+click: add · shift+drag: lasso · ★ = in the prompt'),
      ),
      h('div', { class: 'map-side' }, legend.el, inspectorRoot),
    ),
    tooltip.el,
  );
const reset = h('vscode-button', { id: 'map-reset', secondary: true }, 'Reset view');
reset.addEventListener('click', () => {
  map.setView({ x: 0, y: 0, scale: 1 });
  state.view = { x: 0, y: 0, scale: 1 };
  persist();
});
const clusterNow = h('vscode-button', { id: 'map-cluster' }, 'Cluster now');
clusterNow.addEventListener('click', () => command('runCommand', { command: 'erase.cluster' }));
const verify = h('vscode-button', { id: 'map-verify', secondary: true }, 'Verify exactness');
verify.addEventListener('click', () => command('runCommand', { command: 'erase.verify' }));
panels.get('map')!.prepend(h('div', { class: 'toolbar' }, clusterNow, verify, reset), exportStatus);
canvas.addEventListener('dblclick', () => {
  const id = canvas.dataset.hoverId;
  if (id) command('revealExample', { id });
});

const playground = new Playground(panels.get('playground')!);
const requests = new DeletionRequests(panels.get('requests')!, onErased);
const audit = new AuditLog(panels.get('audit')!);
const cost = new UnlearningCost(panels.get('cost')!);
const dashboard = new Dashboard(panels.get('dashboard')!, { showTab });
new Evaluate(panels.get('evaluate')!);
const exampleList = new ExampleList(panels.get('list')!, selectExamples);
const duplicates = new DuplicatesPanel(panels.get('explore')!, {
  onSelect: selectExamples,
  onExport: (ids, statusEl) => void exportToFile({ kind: 'ids', ids }, statusEl),
  onErased: (r) => {
    onErased(r);
    duplicates.invalidate();
  },
});

function renderStatus(s: StatusView): void {
  const parts = s.dataFile
    ? [
        s.n === s.distinct ? `${s.n} examples` : `${s.distinct} examples (${s.n} lines with duplicates)`,
        `k = ${s.k}`,
        s.clustered ? `state ${s.stateHash.slice(0, 12)}` : 'not clustered yet',
        `${s.certifiedDeletions}/${s.totalDeletions} deletions certified`,
      ]
    : ['No data set: import a TSV/CSV or set erase.dataFile'];
  if (s.malformed) parts.push(`${s.malformed} malformed line(s)`);
  parts.push(`Ollama ${s.ollamaHost}: ${s.ollamaReachable === null ? '?' : s.ollamaReachable ? 'reachable' : 'not reachable'}`);
  status.textContent = parts.join(' · ');
  // "Cluster now" is the primary action only while there is nothing to show
  if (s.clustered) clusterNow.setAttribute('secondary', '');
  else clusterNow.removeAttribute('secondary');
  status.dataset.n = String(s.n);
}

on('status', renderStatus);
function showMap(m: MapView): void {
  clearExampleCache();
  map.setData(m);
  state.selected = map.selectedIds(); // ids no longer in the data (erased elsewhere) drop out here
  persist();
  void showInspector(state.selected);
  legend.render();
  void refreshClusterNames();
  exampleList.invalidate(state.tab === 'list');
  duplicates.invalidate();
  if (state.tab === 'explore') void duplicates.refresh();
  app.dataset.state = 'ready';
}
const mapReceiver = new MapReceiver();
on('mapPoints', (p) => {
  performance.mark('map-received');
  // the points arrive as typed arrays: checked for shape and ranges before anything is drawn
  const points = mapReceiver.points(p);
  if (!points) {
    console.error('ERASE: a map message of the wrong shape was ignored');
    return;
  }
  map.setPoints(points);
  app.dataset.state = 'ready';
});
on('mapIds', (p) => {
  performance.mark('map-ids-received');
  const r = mapReceiver.ids(p);
  if (r.kind === 'map') showMap(r.map);
  else if (r.kind === 'invalid') console.error('ERASE: map ids of the wrong shape were ignored');
  if (!mapReceiver.pending && selectWhilePending) {
    const ids = selectWhilePending;
    selectWhilePending = null;
    selectFromHost(ids);
  }
});
on('mapDelta', (d) => {
  // after a certified erasure: the erased points leave the map held here, the others stay where they are
  if (!isMapDeltaView(d)) console.error('ERASE: a map delta of the wrong shape was ignored');
  else {
    const next = mapReceiver.delta(d, map.currentData());
    if (next) showMap(next);
  }
});
on('erased', (p) => forgetErased(p.ids));
let hostOpenTimings: Record<string, number> | null = null;
on('openTimings', (p) => {
  // the first comes just before the map (its trip is measured against the map's), the second after it with every mark
  if (!hostOpenTimings) performance.mark('host-timings-received');
  hostOpenTimings = { ...p.marks };
});
on('status', () => {
  if (state.tab === 'cost') void cost.load(); // an erasure or a new clustering changes the measured inputs
});
on('audit', (p) => audit.update(p.entries));
on('dashboard', (p) => dashboard.update(p));
on('requests', (p) => requests.update(p.requests));
/** The host's selection while a map's ids are on the way: applied once they are there (it names points by id). */
let selectWhilePending: string[] | null = null;
function selectFromHost(ids: string[]): void {
  map.select(ids);
  state.selected = map.selectedIds();
  persist();
  void showInspector(state.selected);
}
on('select', (p) => {
  if (state.tab !== 'map') showTab('map'); // the host's selection (e.g. the Data set tree's hits) is shown where the inspector is
  if (mapReceiver.pending) selectWhilePending = p.ids;
  else selectFromHost(p.ids);
});

// Hook for UI tests and benchmarks: where and how a point is drawn, the drawn pixels, the renderer
// (to check the Canvas 2D fallback) and frame timing. showMap takes a map built by the test (e.g. a
// million synthetic points), checked like a host message; nothing here reaches the host.
(window as unknown as { eraseWorkbenchTest: object }).eraseWorkbenchTest = {
  pointPosition: (id: string) => map.pointPosition(id),
  pointColour: (id: string) => map.pointColour(id),
  pixelAt: (p: { x: number; y: number }) => map.pixelAt(p.x, p.y),
  paintedPixels: () => map.paintedPixels(),
  useRenderer: (kind: 'webgl2' | 'canvas2d') => map.useRenderer(kind),
  benchmark: (on: boolean) => (map.benchmark = on),
  hostOpenTimings: () => hostOpenTimings,
  showMap: (m: unknown) => {
    if (!isMapView(m)) throw new Error('not a map');
    showMap(m);
  },
};

showTab(state.tab);
void showInspector([]);
start();
