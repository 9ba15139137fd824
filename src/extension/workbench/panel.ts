// The workbench webview panel (one per window). It is restored after a reload through a
// serializer; the webview restores its own view state (ids and view settings only).
import * as vscode from 'vscode';
import { splitMapView, type HostMessage, type MapDeltaView } from '../../shared/protocol';
import type { EraseService } from '../eraseService';
import { log } from '../log';
import { listRequests, workspaceDashboard } from '../../core';
import { auditView, mapView, requestView, statusView } from '../views';
import { workbenchHtml, workbenchResourceRoots } from './html';
import { WorkbenchRouter } from './router';
import { onErased, onMapDelta, onResidualScan } from '../eraseFlow';
import type { MapDelta } from '../../core';
import { markOpen, openMarks } from '../openTimings';
import type { DeferredWork } from '../deferredWork';

/** The page's `ready` (the only notification a page sends; its requests and commands wait for the first map). */
const isReadyMessage = (raw: unknown): boolean => typeof raw === 'object' && raw !== null && (raw as { kind?: unknown }).kind === 'notification';

export const WORKBENCH_VIEW_TYPE = 'erase.workbench';

export class WorkbenchPanel implements vscode.Disposable {
  static current: WorkbenchPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  readonly router: WorkbenchRouter;
  /** A selection asked for before the page could take it (see select). */
  private pendingSelect: string[] | undefined;
  private readonly openedAt = performance.now();
  /**
   * Settles once the first map was posted (or the first refresh found none to send): until then the
   * page's other messages wait (their handlers read the data set and the state synchronously, which
   * would hold the map back by seconds at 60k), and so does the host's deferred refresh (see show).
   */
  readonly firstMapSent: Promise<void>;
  private settleFirstMap!: () => void;
  private readyLogged = false;
  /** Pairs each map's points with its ids on the page (MapPointsView). */
  private mapSeq = 0;
  /** What the map needs at the next refresh: nothing yet (null: drawn whole), these removals, all of it, or nothing ('sent': the deltas went out at their commit points). */
  private mapChange: { removed: Set<string>; representatives: string[] } | 'whole' | 'sent' | null = null;

  /** `deferred`: the host's work that waits for this panel's first map (extension.ts). */
  static show(extensionUri: vscode.Uri, service: EraseService, ollamaReachable: () => boolean | null, deferred?: DeferredWork): WorkbenchPanel {
    if (WorkbenchPanel.current) {
      WorkbenchPanel.current.panel.reveal();
      return WorkbenchPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(WORKBENCH_VIEW_TYPE, vscode.l10n.t('ERASE Workbench'), vscode.ViewColumn.One, {
      enableScripts: true,
      retainContextWhenHidden: false, // state comes back from the host + saved view state
      localResourceRoots: workbenchResourceRoots(extensionUri),
    });
    return new WorkbenchPanel(panel, extensionUri, service, ollamaReachable, deferred);
  }

  constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    private readonly service: EraseService,
    private readonly ollamaReachable: () => boolean | null,
    deferred?: DeferredWork,
  ) {
    this.firstMapSent = new Promise((resolve) => (this.settleFirstMap = resolve));
    deferred?.hold(this.firstMapSent);
    WorkbenchPanel.current = this;
    markOpen('panelCreated');
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'erase.svg');
    panel.webview.options = { enableScripts: true, localResourceRoots: workbenchResourceRoots(extensionUri) };
    this.router = new WorkbenchRouter(
      service,
      (m) => this.post(m),
      () => {
        this.mapChange = null; // a page (re)loaded: it holds no map to apply a delta to
        void this.pushAll();
      },
    );
    panel.webview.html = workbenchHtml(panel.webview, extensionUri);
    // The map's picture is read while the page loads, so that the first push finds it in memory.
    void service
      .get()
      .then((ws) => ws?.mapPicture())
      .catch(() => undefined);
    this.disposables.push(
      this.router,
      // `ready` at once (it brings the map); anything else after the first map, in the order it came
      panel.webview.onDidReceiveMessage((raw) => void (isReadyMessage(raw) ? this.router.handle(raw) : this.firstMapSent.then(() => this.router.handle(raw)))),
      panel.onDidDispose(() => this.dispose()),
      service.onDidChange(() => void this.pushAll()),
      onMapDelta((d) => this.noteMapDelta(d)),
      onErased((ids) => void this.post({ kind: 'notification', method: 'erased', params: { ids: [...ids] } })),
      onResidualScan(() => void this.pushDashboard()),
    );
  }

  post(m: HostMessage): Thenable<boolean> {
    return this.panel.webview.postMessage(m);
  }

  /** Sends status, map and audit log (after `ready`, and after every state change). */
  async pushAll(): Promise<void> {
    if (!this.router.ready) return;
    if (!this.readyLogged) {
      this.readyLogged = true;
      markOpen('ready');
      log.info(`workbench: page ready ${(performance.now() - this.openedAt).toFixed(0)} ms after the panel opened`);
    }
    try {
      const ws = await this.service.get();
      const change = this.mapChange;
      this.mapChange = null;
      // A delta first: it needs nothing read, while the status parses the data set and the whole state again.
      const delta = ws && change !== null && change !== 'whole' && change !== 'sent' ? deltaView(change) : null;
      if (delta) await this.post({ kind: 'notification', method: 'mapDelta', params: delta });
      // The map before the status: it reads only its picture file, while the status parses the data set and the whole state.
      if (ws && !delta && !(change === 'sent')) {
        const t = performance.now();
        markOpen('mapStart');
        const view = await mapView(ws);
        markOpen('mapRead');
        // a small message just before the map: the benchmark compares their trips to the page
        void this.post({ kind: 'notification', method: 'openTimings', params: { marks: openMarks() } });
        // the points first (the page draws them at once), then the ids (most of the bytes)
        const wire = splitMapView(view, ++this.mapSeq);
        await this.post({ kind: 'notification', method: 'mapPoints', params: wire.points });
        markOpen('mapPointsPosted');
        await this.post({ kind: 'notification', method: 'mapIds', params: wire.ids });
        markOpen('mapPosted');
        void this.post({ kind: 'notification', method: 'openTimings', params: { marks: openMarks() } });
        // the host's share of the map's first paint (test/e2e/mapBench.js reads the webview's side)
        log.info(
          `workbench: map of ${view.ids.length} points sent in ${(performance.now() - t).toFixed(0)} ms, ${(performance.now() - this.openedAt).toFixed(0)} ms after the panel opened`,
        );
      }
      this.settleFirstMap();
      await this.post({ kind: 'notification', method: 'status', params: statusView(ws, this.ollamaReachable()) });
      if (!ws) return;
      await this.postPendingSelect();
      await this.post({ kind: 'notification', method: 'audit', params: { entries: await auditView(ws) } });
      const records = await this.service.run((w) => listRequests(w), false);
      await this.post({ kind: 'notification', method: 'requests', params: { requests: records.map((r) => requestView(r)) } });
      await this.pushDashboard();
    } catch (e) {
      log.error(`workbench refresh failed: ${String((e as Error)?.message ?? e)}`);
    } finally {
      this.settleFirstMap();
    }
  }

  /** Erasures since the last refresh: their points add up; one that retrained means the map is drawn whole. */
  private noteMapDelta(d: MapDelta | null): void {
    if (d !== null && (this.mapChange === null || this.mapChange === 'sent') && this.router.ready) {
      // Shown now (the commit point of a certified erasure, eraseFlow.ts), not at the next refresh.
      void this.post({
        kind: 'notification',
        method: 'mapDelta',
        params: deltaView({ removed: new Set(d.removedIds), representatives: d.representatives.filter((r): r is string => r !== null) }),
      });
      this.mapChange = 'sent';
      return;
    }
    if (d === null || this.mapChange === 'whole') {
      this.mapChange = 'whole';
      return;
    }
    if (this.mapChange === null || this.mapChange === 'sent') this.mapChange = { removed: new Set(), representatives: [] };
    for (const id of d.removedIds) this.mapChange.removed.add(id);
    this.mapChange.representatives = d.representatives.filter((r): r is string => r !== null);
  }

  /** The compliance dashboard (also after a residual scan, which changes no state). */
  async pushDashboard(): Promise<void> {
    if (!this.router.ready || !this.service.current()) return;
    try {
      await this.post({ kind: 'notification', method: 'dashboard', params: await this.service.run((w) => workspaceDashboard(w), false) });
    } catch (e) {
      log.error(`dashboard refresh failed: ${String((e as Error)?.message ?? e)}`);
    }
  }

  /** Selects examples in the webview; a panel still loading (or hidden, its page unloaded) gets them after its map. */
  select(ids: string[]): void {
    this.pendingSelect = ids;
    if (this.router.ready && this.panel.visible) void this.postPendingSelect();
  }

  private async postPendingSelect(): Promise<void> {
    const ids = this.pendingSelect;
    if (!ids) return;
    if (await this.post({ kind: 'notification', method: 'select', params: { ids } })) {
      if (this.pendingSelect === ids) this.pendingSelect = undefined;
    }
  }

  dispose(): void {
    this.settleFirstMap();
    if (WorkbenchPanel.current === this) WorkbenchPanel.current = undefined;
    this.panel.dispose();
    while (this.disposables.length) this.disposables.pop()?.dispose();
  }
}

export function registerWorkbenchSerializer(extensionUri: vscode.Uri, service: EraseService, ollamaReachable: () => boolean | null, deferred?: DeferredWork): vscode.Disposable {
  return vscode.window.registerWebviewPanelSerializer(WORKBENCH_VIEW_TYPE, {
    async deserializeWebviewPanel(panel) {
      new WorkbenchPanel(panel, extensionUri, service, ollamaReachable, deferred);
    },
  });
}

function deltaView(c: { removed: ReadonlySet<string>; representatives: readonly string[] }): MapDeltaView {
  return { removedIds: [...c.removed], representatives: [...c.representatives] };
}
