// Holds the open EraseWorkspace (core) for the workspace's data file, serialises operations on it,
// and fires onDidChange after anything that changes the state. All real work happens in core.
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { EraseWorkspace, ErasureSession, loadMeta, reconcile, recoverErasure, syncedStateHash } from '../core';
import { log } from './log';
import { SecretStorageKeyStore } from './secretKeyStore';
import { readSettings, type EraseSettings } from './settings';

export type Workspace = EraseWorkspace;

export class EraseService implements vscode.Disposable {
  private ws: EraseWorkspace | undefined;
  /** The opening in flight (see get). */
  private opening: Promise<EraseWorkspace | undefined> | undefined;
  /** The open workspace's erasure session: the state text stays in memory between erasures (core checks it against the file). */
  private session: ErasureSession | undefined;
  /** The state hash when the views were last told of a change (a data-file event at that state is our own write). */
  private shownStateHash: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  /** `secrets`: where the audit keys live (SecretStorage); without it, core's key files are used. */
  constructor(private readonly secrets?: vscode.SecretStorage) {}

  dispose(): void {
    this.changed.dispose();
  }

  /** The data file named by `erase.dataFile`, else the first *.jsonl next to a .erase/ folder. */
  async locateDataFile(): Promise<vscode.Uri | undefined> {
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const configured = readSettings(folder.uri).dataFile;
      if (configured) return vscode.Uri.file(path.resolve(folder.uri.fsPath, configured));
    }
    const states = await vscode.workspace.findFiles('**/.erase/config.json', '**/node_modules/**', 5);
    for (const s of states) {
      const dir = path.dirname(path.dirname(s.fsPath));
      const jsonl = fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.jsonl'))
        .sort();
      if (jsonl.length) return vscode.Uri.file(path.join(dir, jsonl[0]));
    }
    return undefined;
  }

  /** Opens (or initialises from the settings) the workspace; undefined when there is no data set. */
  async get(): Promise<EraseWorkspace | undefined> {
    if (this.ws) return this.ws;
    // One opening at a time: at startup the status bar, the trees and the workbench all ask at
    // once, and each opening of its own would parse the data set and the state again (seconds at 60k).
    if (!this.opening) {
      const p = this.open();
      this.opening = p;
      const done = () => {
        if (this.opening === p) this.opening = undefined;
      };
      p.then(done, done);
    }
    return this.opening;
  }

  private async open(): Promise<EraseWorkspace | undefined> {
    const file = await this.locateDataFile();
    await vscode.commands.executeCommand('setContext', 'erase.hasDataSet', !!file);
    await vscode.commands.executeCommand('setContext', 'erase.noDataSet', !file);
    if (!file || !fs.existsSync(file.fsPath)) return undefined;
    const t0 = performance.now();
    const settings = readSettings(file);
    const ws = EraseWorkspace.exists(file.fsPath) ? EraseWorkspace.open(file.fsPath) : EraseWorkspace.init(file.fsPath, toConfig(settings));
    // audit keys in SecretStorage; key files the CLI made are adopted, none are created
    if (this.secrets) ws.keyStore = new SecretStorageKeyStore(this.secrets, ws.paths.root, ws.paths.keysDir, (m) => log.info(m));
    this.ws = ws;
    this.session = new ErasureSession(ws);
    // finish (or roll back) an erasure that a crash interrupted, before anything reads the state
    const rec = await recoverErasure(this.ws);
    if (rec) log.warn(`an interrupted erasure (request ${rec.requestId}) was ${rec.outcome}`);
    log.info(`opened data set ${vscode.workspace.asRelativePath(file)} in ${(performance.now() - t0).toFixed(0)} ms`);
    return this.ws;
  }

  /** The SecretStorage key store of the open workspace, if the extension manages its keys. */
  keyStore(): SecretStorageKeyStore | undefined {
    return this.ws?.keyStore instanceof SecretStorageKeyStore ? this.ws.keyStore : undefined;
  }

  current(): EraseWorkspace | undefined {
    return this.ws;
  }

  /** The erasure session of `ws` (undefined for a workspace that is no longer the open one). */
  erasureSession(ws: EraseWorkspace): ErasureSession | undefined {
    return this.session?.ws === ws ? this.session : undefined;
  }

  /** Forgets the open workspace (settings or data file changed); the next get() re-opens it. */
  reset(): void {
    this.ws = undefined;
    this.opening = undefined;
    this.session = undefined;
    this.changed.fire();
  }

  /** Runs `fn` after every earlier operation finished: core state is never touched concurrently. */
  run<T>(fn: (ws: EraseWorkspace) => Promise<T> | T, changesState = true): Promise<T> {
    const next = this.queue.then(async () => {
      const ws = await this.get();
      if (!ws) throw new Error(vscode.l10n.t('No ERASE data set in this workspace. Import a TSV/CSV file or set erase.dataFile.'));
      return fn(ws);
    });
    this.queue = next.catch(() => undefined);
    if (changesState)
      void next.then(
        () => this.changedState(),
        () => this.changedState(),
      );
    return next;
  }

  /**
   * The data file changed on disk (a hand edit): core treats removed lines as audited erasures and
   * added lines as new examples. Our own erasures also touch the file; then nothing changed, and no
   * change event goes out (the map keeps the delta it was sent instead of all its points again).
   */
  async reconcile(): Promise<void> {
    let changed = true;
    try {
      changed = await this.run(async (ws) => {
        // the file a transaction just wrote: nothing to reconcile; the views re-read only if it was not ours (the CLI's)
        const synced = syncedStateHash(ws);
        if (synced !== null) return synced !== this.shownStateHash;
        if (!ws.status().clustered) return true; // nothing derived yet: views just re-read the file
        const r = await reconcile(ws);
        if (r.changed)
          log.info(`reconciled hand edits: ${r.removedIds.length} removed (${r.removedCopies} copies), ${r.addedIds.length} added${r.retrained ? ', clustered again' : ''}`);
        return true; // the file changed by hand: views re-read it (diagnostics of malformed lines too), even when the state did not change
      }, false);
    } finally {
      if (changed) this.changedState();
    }
  }

  /** Tells the views, and remembers which state they are about to show. */
  private changedState(): void {
    this.shownStateHash = this.ws ? loadMeta(this.ws.paths)?.stateHash : undefined;
    this.changed.fire();
  }

  /** Applies the current settings to the workspace config (takes effect at the next clustering). */
  applySettings(): void {
    if (!this.ws) return;
    const next = toConfig(readSettings(vscode.Uri.file(this.ws.dataFile)));
    const cur = this.ws.config as unknown as Record<string, unknown>;
    if (Object.entries(next).some(([k, v]) => cur[k] !== v)) this.ws.updateConfig(next);
  }
}

export function toConfig(s: EraseSettings) {
  return {
    k: s.k,
    eps: s.eps,
    seed: s.seed,
    dims: s.dims,
    embedder: s.embedder,
    maxIter: s.maxIter,
    ollamaHost: s.ollamaHost,
    ...(s.ollamaModel ? { ollamaModel: s.ollamaModel } : {}),
  };
}
