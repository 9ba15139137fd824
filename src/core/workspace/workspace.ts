import { existsSync } from 'node:fs';
import { ensurePrivateDir, removeDataFileTemps, removeStaleTemps } from '../storage/atomicWrite';
import { statSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { checkDataFile, loadDataset, loadIndexedDataset } from '../dataset/load';
import { examplesOfIds, fileStampText } from '../dataset/fileIndex';
import type { Example, ParsedDataset } from '../dataset/types';
import { createEmbedder } from '../embed/registry';
import type { Embedder } from '../embed/types';
import { UserError } from '../errors';
import { makePointSet, type PointSet } from '../qkmeans/points';
import { train } from '../qkmeans/train';
import { finalGrid, stateHash, STATE_FORMAT, type QkmParams, type QkmState } from '../qkmeans/state';
import { gridPositions } from '../qkmeans/grid';
import { nearestMembers } from '../erase/representatives';
import { renderPrompt, type RenderedPrompt } from '../erase/prompt';
import { toFixed } from '../fixedpoint';
import { Projection } from '../qkmeans/projection';
import type { PointStoreKey } from '../storage/pointStore';
import { contentHash } from '../embed/contentHash';
import { FileLock } from '../storage/lock';
import { FileKeyStore, type KeyStore } from '../audit/keys';
import {
  DEFAULT_CONFIG,
  dataPath,
  findWorkspaceRoot,
  readConfig,
  relativeDataFile,
  rootForDataFile,
  workspacePaths,
  writeConfig,
  type WorkspaceConfig,
  type WorkspacePaths,
} from './config';
import { deletionCount, loadMeta, loadState, OutdatedStateError, qualityIsStale, saveMeta, saveState, type ClusterMeta } from './persisted';
import { contentCounts, itemsOf, projectedVectors, pruneVectors, scratchVectors, type PhaseProgress, type VectorItem } from './vectors';
import { datasetContents, driftOf, hasDrift, primeDatasetContents } from './drift';
import { chooseEps, describe, trainAndMeasure, type TrainedModel } from './training';
import { separatedLayout } from '../explore/layout';
import { runTransaction } from './transaction';
import { readManifest } from './stateStore';
import { recordedStatus } from './recordedStatus';
import { readMapFile, removeStaleMapFiles, writeMapFile, type MapPicture } from './mapFile';
import { pointKeyOf as pointKeyOfState } from './transaction';
import { sha256Hex } from '../hash';
import { readFileSync } from 'node:fs';
import { recordMeasurements } from '../cost/measurements';

export interface WorkOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: PhaseProgress;
  /** The caller's clock for what a transaction records; defaults to now. */
  readonly time?: string;
}

export interface ClusterReport {
  readonly n: number;
  readonly distinct: number;
  readonly k: number;
  /** k_eff = min(k, distinct examples): the number of clusters actually trained. */
  readonly kEffective: number;
  readonly eps: number;
  readonly epsNote?: string;
  readonly epsTried?: readonly { eps: number; predictedCertified: number; ve: number }[];
  readonly iterations: number;
  readonly converged: boolean;
  readonly stateHash: string;
  readonly representatives: readonly (string | null)[];
  readonly predictedCertified: number;
  readonly ve: number;
  readonly nonEmpty: number;
  readonly warnings: readonly string[];
  readonly malformed: number;
  readonly duplicates: number;
  readonly ms: number;
}

export interface StatusReport {
  readonly dataFile: string;
  readonly clustered: boolean;
  readonly n: number;
  readonly distinct: number;
  readonly k: number;
  readonly eps: number | 'auto';
  readonly stateHash: string | null;
  /** Every example id, in file order: only when asked for (`status({ ids: true })`, `erase status --ids`), since it is O(n). */
  readonly ids?: readonly string[];
  readonly malformed: readonly { line: number; column: number; message: string }[];
  readonly duplicates: number;
  /** True when the data file no longer matches the clustered state (hand edits, including an explicit-id text edit): run reconcile. */
  readonly outOfDate: boolean;
  /** What drifted (null when not clustered): driftOf, with `removed` as [id, weight] pairs so it prints as JSON. */
  readonly drift: { readonly removed: readonly (readonly [string, number])[]; readonly added: readonly string[]; readonly edited: readonly string[] } | null;
  /** The state file is from an older format and must be rebuilt (`erase cluster`); nothing else can run on it. */
  readonly stateOutdated: boolean;
  /** The deletion count at which predictedCertified / ve were computed (null: unknown, an older meta). */
  readonly qualityComputedAtDeletions: number | null;
  /** True when predictedCertified / ve predate the latest deletion (EraseWorkspace.refreshQuality() updates them). */
  readonly qualityStale: boolean;
  readonly deletions: { readonly certified: number; readonly retrained: number };
  readonly predictedCertified: number | null;
  readonly ve: number | null;
  readonly pendingErasure: boolean;
  /**
   * Where the figures come from: 'recorded' — the data file's stamp (size, mtime, ctime, inode) and
   * the state hash are the ones recorded when the two last agreed, so the figures are read from the
   * data-file index and the state's manifest and head, without reading the data set or comparing it
   * (recordedStatus.ts); 'parsed' — the data set was loaded and compared with the whole state.
   */
  readonly source: 'recorded' | 'parsed';
}

export interface StatusOptions {
  /** Also list every example id (O(n)). */
  readonly ids?: boolean;
}

export interface ExampleView {
  readonly id: string;
  readonly input: string;
  readonly output: string;
  readonly label?: string;
  readonly lines: readonly number[];
  readonly multiplicity: number;
  readonly cluster: number | null;
  readonly isRepresentative: boolean;
}

export interface VerifyReport {
  readonly equal: boolean;
  readonly stateHash: string;
  readonly scratchHash: string;
  readonly ms: number;
}

/** The clustering inputs for a set of examples: weights from multiplicities, vectors from the caches. */
export interface LoadedModel {
  readonly dataset: ParsedDataset;
  readonly state: QkmState;
  readonly stateHash: string;
  readonly meta: ClusterMeta;
  readonly points: PointSet;
}

/**
 * One ERASE workspace: a data file and the `.erase/` folder beside it. Both the CLI and the
 * extension drive everything through this class; neither holds logic of its own.
 */
/** The map's picture of the clustered examples (display only). Shared between calls: do not modify. */
export interface Map2d {
  readonly ids: readonly string[];
  readonly x: Float32Array;
  readonly y: Float32Array;
  readonly cluster: Int32Array;
  readonly representatives: readonly (string | null)[];
}

export class EraseWorkspace {
  private embedderInstance: Promise<Embedder> | null = null;
  private examplesCache: { key: string; dataset: ParsedDataset } | null = null;
  private stateCache: { key: string; loaded: ReturnType<typeof loadState> } | null = null;
  private pointsCache: { key: string; points: PointSet } | null = null;
  private mapCache: { hash: string; map: Map2d } | null = null;
  private pictureCache: MapPicture | null = null;
  private driftCache: { state: QkmState; dataset: ParsedDataset; drift: ReturnType<typeof driftOf> } | null = null;
  readonly lock: FileLock;
  /** Where the audit HMAC and signing keys live: 0600 files (the CLI) unless replaced (the extension's SecretStorage). */
  keyStore: KeyStore;

  private constructor(
    readonly paths: WorkspacePaths,
    public config: WorkspaceConfig,
  ) {
    this.lock = new FileLock(paths.lock);
    this.keyStore = new FileKeyStore(paths.keysDir);
  }

  /** Opens the workspace of a data file, or the nearest one at or above a folder. */
  static open(fileOrDir: string): EraseWorkspace {
    const abs = resolve(fileOrDir);
    let root: string | null;
    if (existsSync(abs) && statSync(abs).isDirectory()) root = findWorkspaceRoot(abs);
    else root = rootForDataFile(abs).root;
    if (!root) throw new UserError(`no ERASE workspace at or above ${abs}`, 'usage', 'init');
    const paths = workspacePaths(root);
    const ws = new EraseWorkspace(paths, readConfig(paths));
    // A writer killed mid-write leaves a temp file that may hold content erased since: under
    // .erase/, and beside the data file (its rewrite starts from a whole copy of it).
    removeStaleTemps(paths.dir);
    removeDataFileTemps(ws.dataFile);
    return ws;
  }

  static init(dataFile: string, settings: Partial<Omit<WorkspaceConfig, 'dataFile'>> = {}): EraseWorkspace {
    if (!existsSync(dataFile)) throw new UserError(`data file ${dataFile} does not exist`, 'input');
    const { root } = rootForDataFile(dataFile);
    const paths = workspacePaths(root);
    ensurePrivateDir(paths.dir);
    const defined = Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined));
    const cfg: WorkspaceConfig = { ...DEFAULT_CONFIG, ...defined, dataFile: relativeDataFile(root, dataFile) };
    writeConfig(paths, cfg);
    return new EraseWorkspace(paths, cfg);
  }

  static exists(dataFile: string): boolean {
    return existsSync(workspacePaths(rootForDataFile(dataFile).root).config);
  }

  get dataFile(): string {
    return dataPath(this.paths, this.config);
  }

  get stateDir(): string {
    return this.paths.dir;
  }

  updateConfig(changes: Partial<Omit<WorkspaceConfig, 'dataFile'>>): void {
    const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
    this.config = { ...this.config, ...defined };
    writeConfig(this.paths, this.config);
    this.embedderInstance = null;
  }

  /** The configured embedder (created on first use; heavy ones load their models lazily inside). */
  embedder(): Promise<Embedder> {
    this.embedderInstance ??= createEmbedder(this.config.embedder, { host: this.config.ollamaHost, baseDir: this.paths.root });
    this.embedderInstance.catch(() => (this.embedderInstance = null)); // a failed start (server down) may be retried
    return this.embedderInstance;
  }

  async pointKey(seed = this.config.seed, dims = this.config.dims): Promise<PointStoreKey> {
    return { embedderId: (await this.embedder()).id, seed, dims };
  }

  /** The parsed data file; re-read only when its size or modification time changed. */
  loadDataset(): ParsedDataset {
    let key: string;
    try {
      const st = statSync(this.dataFile);
      key = fileStampText(st);
    } catch {
      return loadDataset(this.dataFile); // reports the missing file clearly
    }
    if (this.examplesCache?.key !== key) {
      const { dataset, contents } = loadIndexedDataset(this.dataFile, this.paths.datasetIndex);
      if (contents) primeDatasetContents(dataset, contents);
      this.examplesCache = { key, dataset };
    }
    return this.examplesCache.dataset;
  }

  /** The data file's stamp (size:mtime:ctime:inode) when the data set loadDataset returns was read; null before the first load. */
  loadedDatasetStamp(): string | null {
    return this.examplesCache?.key ?? null;
  }

  /**
   * The examples with these ids (file order), and the data file's stamp they were read at: from
   * the loaded data set when it is current, else through the index without building the other
   * examples (an erasure by id at 60k), else from a full load.
   */
  examplesByIds(ids: readonly string[]): { examples: Example[]; stamp: string | null } {
    const want = new Set(ids);
    const pick = () => ({ examples: this.loadDataset().examples.filter((e) => want.has(e.id)), stamp: this.loadedDatasetStamp() });
    let st;
    try {
      checkDataFile(this.dataFile);
      st = statSync(this.dataFile);
    } catch {
      return pick(); // reports the missing or unreadable file clearly
    }
    const key = fileStampText(st);
    if (this.examplesCache?.key === key) return pick();
    const found = examplesOfIds(this.dataFile, this.paths.datasetIndex, st, [...want]);
    return found ? { examples: found, stamp: key } : pick();
  }

  /** One example by id (for hovers and inspectors), or undefined. */
  example(id: string): Example | undefined {
    const ds = this.loadDataset();
    if (this.exampleIndex?.dataset !== ds) this.exampleIndex = { dataset: ds, byId: new Map(ds.examples.map((e) => [e.id, e] as const)) };
    return this.exampleIndex.byId.get(id);
  }
  private exampleIndex: { dataset: ParsedDataset; byId: Map<string, Example> } | null = null;

  /** Vectors and weights for the given examples, as a point set. */
  async pointsFor(examples: readonly Example[], key: PointStoreKey, opts: WorkOptions = {}): Promise<PointSet> {
    // Examples of the current data set have their content hash in its index: no text is read
    // unless a vector must be computed.
    const dataset = this.loadDataset();
    const contents = datasetContents(dataset);
    const own = new Set(dataset.examples);
    const items: VectorItem[] = examples.map((e) => (own.has(e) ? { id: e.id, content: contents.get(e.id)!, input: () => e.input } : itemsOf([e])[0]));
    const vectors = await projectedVectors(this.paths, () => this.embedder(), key, items, opts);
    return makePointSet(
      key.dims,
      examples.map((e, i) => ({ id: e.id, weight: e.multiplicity, vector: vectors.get(e.id)!, content: items[i].content })),
    );
  }

  paramsFor(eps: number, embedder: Embedder): QkmParams {
    const c = this.config;
    return { k: c.k, eps, dims: c.dims, maxIter: c.maxIter, seed: c.seed, embedderId: embedder.id };
  }

  /**
   * Embeds (cached), clusters from scratch and saves the state. Re-clustering an existing state is
   * one audited transaction (action `retrain`): examples removed by hand since the last clustering
   * are committed to as erasures in its entry, so no removal ever goes unaudited.
   */
  async cluster(opts: WorkOptions = {}): Promise<ClusterReport> {
    let trainedPoints: { points: PointSet; state: QkmState } | null = null;
    const report = await this.clusterTransaction(opts, (t) => (trainedPoints = { points: t.points, state: t.model.state }));
    if (trainedPoints) await this.drawPictureOfTrained(trainedPoints, report.stateHash);
    return report;
  }

  /**
   * Draws the map's picture file right after a clustering, from the points it trained on (in
   * memory), so that the first open of the map reads no vectors. Display only, written after the
   * commit: it shapes nothing, and a failure here only leaves the picture to be drawn on first open.
   */
  private async drawPictureOfTrained(t: { points: PointSet; state: QkmState }, hash: string): Promise<void> {
    const { points, state } = t;
    const ids = [...state.assignments.keys()];
    // loadModel's point set is in the state's order: the trained one is reused only when it is the same
    if (ids.length !== points.ids.length || ids.some((id, i) => id !== points.ids[i])) return;
    this.pointsCache = { key: `${hash}:${state.params.embedderId}:${state.params.seed}:${state.params.dims}`, points };
    await this.mapPicture().catch(() => undefined);
  }

  private async clusterTransaction(opts: WorkOptions, onTrained: (t: { points: PointSet; model: TrainedModel }) => void): Promise<ClusterReport> {
    return runTransaction<ClusterReport>(this, this.keyStore, async () => {
      let previous: { state: QkmState | null; hash: string; format?: string } | null;
      try {
        previous = loadState(this.paths);
      } catch (e) {
        // A state of an older format: this clustering migrates it, as an audited step.
        if (!(e instanceof OutdatedStateError)) throw e;
        previous = { state: null, hash: sha256Hex(readFileSync(this.paths.legacyState)), format: e.format };
      }
      const trained = await this.trainFromFile(opts);
      onTrained(trained);
      if (!previous) {
        this.saveTrained(trained);
        return { plan: null, result: () => trained.report };
      }
      if (previous.hash === trained.report.stateHash) {
        this.saveTrained(trained); // refreshes the meta; the state is unchanged
        return { plan: null, result: () => trained.report };
      }
      const drift = previous.state ? driftOf(previous.state, trained.dataset) : null;
      const removed = drift ? [...new Set([...drift.removed.keys(), ...drift.edited])] : [];
      const commitments = removed.map((id) => ({ id, content: `sha256:${previous.state!.contents.get(id)}` }));
      const notes = previous.format
        ? `migrated the state from format ${previous.format} to ${STATE_FORMAT} by training again from the data file`
        : `clustered again from the data file (k=${trained.report.k}, eps=${trained.report.eps}); hand edits since the last clustering: ${drift!.removed.size} removed, ${drift!.edited.length} edited, ${drift!.added.length} added`;
      return {
        plan: {
          action: 'retrain',
          forgetIds: removed,
          stateHashBefore: previous.hash,
          state: trained.model.state,
          stateHashAfter: trained.report.stateHash,
          meta: trained.meta,
          certified: null,
          entry: {
            time: opts.time ?? new Date().toISOString(),
            erased: commitments,
            certified: false,
            retrained: true,
            promptChanged: trained.meta.representatives.some((r, j) => r !== loadMeta(this.paths)?.representatives[j]),
            notes,
          },
        },
        result: () => trained.report,
      };
    });
  }

  /** `cluster` for callers that already hold the lock and have no earlier state (a first clustering). */
  async clusterLocked(opts: WorkOptions = {}): Promise<ClusterReport> {
    const trained = await this.trainFromFile(opts);
    this.saveTrained(trained);
    return trained.report;
  }

  private saveTrained(t: { model: TrainedModel; meta: ClusterMeta; dataset: ParsedDataset }): void {
    saveState(this.paths, t.model.state);
    saveMeta(this.paths, t.meta);
    // The state now holds exactly the data file's contents: vectors of texts no longer in it go.
    pruneVectors(this.paths, { id: t.meta.embedderId, dimension: t.meta.embedderDimension }, pointKeyOfState(t.model.state), contentCounts(t.model.state, t.dataset.examples));
  }

  /** Trains from scratch on the data file, in memory; nothing is written. */
  private async trainFromFile(opts: WorkOptions): Promise<{ dataset: ParsedDataset; model: TrainedModel; meta: ClusterMeta; report: ClusterReport; points: PointSet }> {
    const t0 = performance.now();
    const dataset = this.loadDataset();
    const datasetStamp = this.loadedDatasetStamp();
    const embedder = await this.embedder();
    const points = await this.pointsFor(dataset.examples, await this.pointKey(), opts);
    opts.onProgress?.('clustering', 0, 1);
    let model: TrainedModel;
    let epsChoice: ClusterMeta['epsChoice'];
    let tried: ClusterReport['epsTried'];
    const onIteration = (t: number, max: number) => opts.onProgress?.('clustering', t, max);
    if (this.config.eps === 'auto') {
      const { eps: _e, ...base } = this.paramsFor(0, embedder);
      const choice = chooseEps(points, base, { signal: opts.signal });
      model = choice.model;
      tried = choice.tried;
      epsChoice = { eps: choice.eps, predictedCertified: model.predictedCertified, ve: model.ve, note: choice.note };
    } else {
      model = trainAndMeasure(points, this.paramsFor(this.config.eps, embedder), { signal: opts.signal, onIteration });
    }
    const hash = stateHash(model.state);
    const previous = loadMeta(this.paths);
    const deletions = previous?.deletions ?? { certified: 0, retrained: 0 };
    const meta: ClusterMeta = {
      stateHash: hash,
      embedderId: embedder.id,
      embedderDimension: embedder.dimension,
      representatives: model.representatives,
      predictedCertified: model.predictedCertified,
      ve: model.ve,
      nonEmpty: model.nonEmpty,
      warnings: model.warnings,
      computedAtDeletions: deletionCount(deletions),
      epsChoice,
      deletions,
      ...(datasetStamp === null ? {} : { syncedWith: { dataFile: datasetStamp, stateHash: hash } }),
      auditHead: previous?.auditHead,
    };
    const report: ClusterReport = {
      n: model.state.n,
      distinct: points.ids.length,
      k: model.state.params.k,
      kEffective: model.state.k,
      eps: model.state.params.eps,
      epsNote: epsChoice?.note,
      epsTried: tried,
      iterations: model.state.iterations.length,
      converged: model.state.converged,
      stateHash: hash,
      representatives: model.representatives,
      predictedCertified: model.predictedCertified,
      ve: model.ve,
      nonEmpty: model.nonEmpty,
      warnings: model.warnings,
      malformed: dataset.malformed.length,
      duplicates: dataset.duplicates.length,
      ms: performance.now() - t0,
    };
    return { dataset, model, meta, report, points };
  }

  /** The saved state, its meta and the points it was trained on; throws a clear error when not clustered yet. */
  async loadModel(opts: WorkOptions = {}, preloaded?: { state: QkmState; hash: string; meta: ClusterMeta }): Promise<LoadedModel> {
    // A caller that just read the state passes it (parsing 60k rows of JSON twice costs ~0.3 s).
    const loaded = preloaded ?? this.savedState();
    const meta = preloaded?.meta ?? loadMeta(this.paths);
    if (!loaded || !meta) throw new UserError('the data set is not clustered yet', 'usage', 'cluster');
    const dataset = this.loadDataset();
    const { state } = loaded;
    // The points are a function of the state (ids, weights, content hashes) and the embedding key
    // alone, and nothing modifies a point set: one built for this state hash is reused.
    const pointsKey = `${loaded.hash}:${state.params.embedderId}:${state.params.seed}:${state.params.dims}`;
    if (this.pointsCache?.key === pointsKey) return { dataset, state, stateHash: loaded.hash, meta, points: this.pointsCache.points };
    // The points the state was trained on: ids, weights and content hashes from the state itself.
    // A vector is taken by the content hash the state recorded; the current text is only used to
    // embed it again when it still hashes to that content (an id match alone proves nothing).
    const byId = new Map(dataset.examples.map((e) => [e.id, e] as const));
    const current = datasetContents(dataset);
    const key = { embedderId: state.params.embedderId, seed: state.params.seed, dims: state.params.dims };
    const items: VectorItem[] = [...state.assignments.keys()].map((id) => {
      const content = state.contents.get(id)!;
      const e = byId.get(id);
      // The text is read (from the file, through the index) only if its vector must be computed again.
      return e && current.get(id) === content ? { id, content, input: () => e.input } : { id, content };
    });
    const vectors = await projectedVectors(this.paths, () => this.embedder(), key, items, opts);
    const points = makePointSet(
      state.params.dims,
      [...state.assignments].map(([id, [, w]]) => ({ id, weight: w, vector: vectors.get(id)!, content: state.contents.get(id)! })),
    );
    this.pointsCache = { key: pointsKey, points };
    return { dataset, state, stateHash: loaded.hash, meta, points };
  }

  status(opts: StatusOptions = {}): StatusReport {
    const recorded = this.recordedStatus(opts);
    if (recorded) return recorded;
    const dataset = this.loadDataset();
    let loaded: ReturnType<typeof loadState> = null;
    let stateOutdated = false;
    try {
      loaded = this.savedState();
    } catch (e) {
      if (!(e instanceof OutdatedStateError)) throw e;
      stateOutdated = true; // reported, not thrown: status must work to tell the user what to do
    }
    const meta = loadMeta(this.paths);
    // drift is a function of the (shared, never modified) parsed state and data set: computed once per pair
    let drift: ReturnType<typeof driftOf> | null = null;
    if (loaded) {
      if (this.driftCache?.state !== loaded.state || this.driftCache.dataset !== dataset) this.driftCache = { state: loaded.state, dataset, drift: driftOf(loaded.state, dataset) };
      drift = this.driftCache.drift;
    }
    const n = dataset.examples.reduce((s, e) => s + e.multiplicity, 0);
    return {
      dataFile: this.dataFile,
      clustered: loaded !== null,
      n,
      distinct: dataset.examples.length,
      k: this.config.k,
      eps: loaded ? loaded.state.params.eps : this.config.eps,
      stateHash: loaded?.hash ?? null,
      ...(opts.ids ? { ids: dataset.examples.map((e) => e.id) } : {}),
      malformed: dataset.malformed.map((m) => ({ line: m.line, column: m.column, message: m.message })),
      duplicates: dataset.duplicates.length,
      outOfDate: drift !== null && hasDrift(drift),
      drift: drift && { removed: [...drift.removed], added: [...drift.added], edited: [...drift.edited] },
      stateOutdated,
      deletions: meta?.deletions ?? { certified: 0, retrained: 0 },
      predictedCertified: meta?.predictedCertified ?? null,
      ve: meta?.ve ?? null,
      qualityComputedAtDeletions: meta?.computedAtDeletions ?? null,
      qualityStale: meta ? qualityIsStale(meta) : false,
      pendingErasure: existsSync(this.paths.intent),
      source: 'parsed',
    };
  }

  /** status() from what the last transaction recorded, when nothing can have drifted since; null otherwise. */
  private recordedStatus(opts: StatusOptions): StatusReport | null {
    const r = recordedStatus(this.paths, this.dataFile, opts.ids === true);
    if (!r) return null;
    const { meta, ids } = r;
    return {
      dataFile: this.dataFile,
      clustered: true,
      n: r.n,
      distinct: r.distinct,
      k: this.config.k,
      eps: r.eps,
      stateHash: r.stateHash,
      ...(ids ? { ids } : {}),
      malformed: r.malformed.map((m) => ({ line: m.line, column: m.column, message: m.message })),
      duplicates: r.duplicates,
      outOfDate: false,
      drift: { removed: [], added: [], edited: [] },
      stateOutdated: false,
      deletions: meta.deletions,
      predictedCertified: meta.predictedCertified,
      ve: meta.ve,
      qualityComputedAtDeletions: meta.computedAtDeletions ?? null,
      qualityStale: qualityIsStale(meta),
      pendingErasure: existsSync(this.paths.intent),
      source: 'recorded',
    };
  }

  /**
   * Recomputes the stored quality figures (VE, predicted certified, non-empty clusters, warnings)
   * for the current state when they predate the latest deletion. Returns the (possibly unchanged) meta.
   */
  async refreshQuality(opts: WorkOptions & { force?: boolean } = {}): Promise<ClusterMeta> {
    await this.lock.acquire();
    try {
      const model = await this.loadModel(opts);
      if (!opts.force && !qualityIsStale(model.meta)) return model.meta;
      const d = describe(model.state, model.points);
      const meta: ClusterMeta = {
        ...model.meta,
        predictedCertified: d.predictedCertified,
        ve: d.ve,
        nonEmpty: d.nonEmpty,
        warnings: d.warnings,
        computedAtDeletions: deletionCount(model.meta.deletions),
      };
      saveMeta(this.paths, meta);
      return meta;
    } finally {
      this.lock.release();
    }
  }

  /** Every example with its cluster and whether it is a representative (for views). */
  examples(): ExampleView[] {
    const dataset = this.loadDataset();
    const loaded = this.savedState();
    const reps = new Set((loaded?.state.representatives ?? []).filter((r): r is string => r !== null));
    return dataset.examples.map((e) => ({
      id: e.id,
      input: e.input,
      output: e.output,
      label: e.label,
      lines: e.lines,
      multiplicity: e.multiplicity,
      cluster: loaded?.state.assignments.get(e.id)?.[0] ?? null,
      isRepresentative: reps.has(e.id),
    }));
  }

  /**
   * The ERASE prompt. Dataset mode: the representative of each cluster, in cluster order.
   * Query mode (needs a query): the members of the cluster nearest the query.
   */
  async prompt(query?: string, opts: WorkOptions = {}): Promise<RenderedPrompt & { mode: 'dataset' | 'query' }> {
    const meta = loadMeta(this.paths);
    const loaded = this.savedState();
    if (!meta || !loaded) throw new UserError('the data set is not clustered yet', 'usage', 'cluster');
    let ids: string[];
    if (this.config.mode === 'query' && query !== undefined) {
      const model = await this.loadModel(opts);
      const cluster = await this.nearestCluster(model.state, query, opts);
      ids = nearestMembers(model.state, model.points, cluster, this.config.shots);
    } else {
      ids = loaded.state.representatives.filter((r): r is string => r !== null); // the hashed state's, never a stale copy
    }
    const examples = ids.map((id) => {
      const e = this.example(id);
      if (!e) throw new UserError('the clustered state names an example that is no longer in the data file', 'check', 'reconcile');
      return { id, input: e.input, output: e.output };
    });
    return { ...renderPrompt(examples, query, this.config.template), mode: this.config.mode === 'query' && query !== undefined ? 'query' : 'dataset' };
  }

  /** A text as the state's points are: embedded by the workspace's embedder, projected with the state's seed (fixed-point, 2^20 = 1.0). */
  async projectText(state: QkmState, text: string, opts: WorkOptions = {}): Promise<Int32Array> {
    const [v] = await (await this.embedder()).embed([text], opts.signal);
    const fixed = toFixed(v);
    return Int32Array.from(new Projection(state.params.seed, fixed.length, state.params.dims).project(fixed));
  }

  private async nearestCluster(state: QkmState, query: string, opts: WorkOptions): Promise<number> {
    const proj = await this.projectText(state, query, opts);
    const D = state.params.dims;
    const c = gridPositions(finalGrid(state), state.phase, state.params.eps);
    let best = 0;
    let bestD = Infinity;
    for (let j = 0; j < state.k; j++) {
      let d = 0;
      for (let i = 0; i < D; i++) {
        const x = proj[i] / 1048576 - c[j * D + i];
        d += x * x;
      }
      if (d < bestD) {
        bestD = d;
        best = j;
      }
    }
    return best;
  }

  /**
   * Retrains from scratch on the data file's text and compares state hashes. The hashing embedder
   * re-embeds every text; a slow embedder's cached vectors are used only under the content hash of
   * the current text (scratchVectors) — never because an id matches.
   */
  async verify(opts: WorkOptions = {}): Promise<VerifyReport> {
    const t0 = performance.now();
    const loaded = loadState(this.paths);
    if (!loaded) throw new UserError('the data set is not clustered yet', 'usage', 'cluster');
    const dataset = this.loadDataset();
    const p = loaded.state.params;
    const vectors = await scratchVectors(this.paths, () => this.embedder(), { embedderId: p.embedderId, seed: p.seed, dims: p.dims }, dataset.examples, opts);
    const points = makePointSet(
      p.dims,
      dataset.examples.map((e) => ({ id: e.id, weight: e.multiplicity, vector: vectors.get(e.id)!, content: contentHash(e.input) })),
    );
    const scratch = train(points, p, { signal: opts.signal });
    const scratchHash = stateHash(scratch);
    const ms = performance.now() - t0;
    // The retrain time `erase cost` uses for a deletion that is not certified (a cache of figures only).
    recordMeasurements(this.paths, { retrain: { ms, n: dataset.examples.reduce((s, e) => s + e.multiplicity, 0), stateHash: loaded.hash, source: 'verify' } });
    return { equal: scratchHash === loaded.hash, stateHash: loaded.hash, scratchHash, ms };
  }

  /** A 2-D picture of the clustered examples for the map, clusters kept apart (display only: not part of the state). */
  async map2d(opts: WorkOptions = {}): Promise<Map2d> {
    return (await this.layout(opts)).map;
  }

  private async layout(opts: WorkOptions): Promise<{ hash: string; map: Map2d }> {
    const model = await this.loadModel(opts);
    if (this.mapCache?.hash === model.stateHash) return this.mapCache;
    const { state } = model;
    const cluster = Int32Array.from(model.points.ids, (id) => model.state.assignments.get(id)![0]);
    const { x, y } = separatedLayout(model.points, cluster, gridPositions(finalGrid(state), state.phase, state.params.eps), state.k);
    const map: Map2d = { ids: [...model.points.ids], x, y, cluster, representatives: [...state.representatives] };
    this.mapCache = { hash: model.stateHash, map };
    return this.mapCache;
  }

  /**
   * The map as the workbench shows it (layout and labels), or null when not clustered. On a first
   * open it is read from the picture file of the current state (mapFile.ts) when that file was
   * drawn from the same state hash and data file; otherwise it is drawn (loading every vector and
   * the data set) and the file written. Display only: nothing that shapes the state reads it.
   */
  async mapPicture(opts: WorkOptions = {}): Promise<MapPicture | null> {
    const hash = readManifest(this.paths)?.hash ?? null; // null: not clustered, or a state of the previous format
    const stamp = this.dataFileStamp();
    if (hash !== null && stamp !== null) {
      if (this.pictureCache?.stateHash === hash && this.pictureCache.dataStamp === stamp) return this.pictureCache;
      const read = readMapFile(this.paths.stateDir, hash, stamp);
      if (read) return (this.pictureCache = read);
    }
    if (!this.savedState()) return null;
    const { hash: drawnFrom, map } = await this.layout(opts);
    const dataset = this.loadDataset();
    const labelOf = new Map(dataset.examples.map((e) => [e.id, e.label] as const));
    const labelNames = [...new Set(map.ids.map((id) => labelOf.get(id)).filter((l): l is string => l !== undefined))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const labelIndex = new Map(labelNames.map((l, j) => [l, j] as const));
    const label = Int32Array.from(map.ids, (id) => {
      const l = labelOf.get(id);
      return l === undefined ? -1 : labelIndex.get(l)!;
    });
    const picture: MapPicture = { stateHash: drawnFrom, dataStamp: this.loadedDatasetStamp() ?? '', ...map, labelNames, label };
    this.pictureCache = picture;
    if (drawnFrom === hash && picture.dataStamp !== '') {
      writeMapFile(this.paths.stateDir, picture);
      // A state written meanwhile (an erasure) already collected the map files: this one must not outlive it.
      const now = readManifest(this.paths)?.hash ?? null;
      if (now !== drawnFrom) removeStaleMapFiles(this.paths.stateDir, now);
    }
    return picture;
  }

  /** size:mtime:ctime:inode of the data file, or null when it cannot be read. */
  private dataFileStamp(): string | null {
    try {
      const st = statSync(this.dataFile);
      return fileStampText(st);
    } catch {
      return null;
    }
  }

  /**
   * The saved state for the read-only views (status, examples, map, prompt, explore), parsed
   * again only when the state file was replaced: every write of it is a rename, so its stamp
   * changes. A long-lived host asks for it many times per change, and at 60k one parse costs
   * ~0.5 s. Shared: never hand it to a DeletionEngine, which consumes its state (an erasure
   * loads its own).
   */
  private savedState(): ReturnType<typeof loadState> {
    let key: string;
    try {
      const st = statSync(this.paths.state);
      key = fileStampText(st);
    } catch {
      this.stateCache = null;
      return loadState(this.paths);
    }
    if (this.stateCache?.key !== key) this.stateCache = { key, loaded: loadState(this.paths) };
    return this.stateCache.loaded;
  }

  /** Re-describes a state (quality, representatives) after it changed. */
  describe(state: QkmState, points: PointSet): TrainedModel {
    return describe(state, points);
  }

  resolve(rel: string): string {
    return join(this.paths.root, rel);
  }
}
