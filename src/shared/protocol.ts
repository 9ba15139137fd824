// The one typed protocol between the extension host and the workbench webview (gitlens style):
//   command       webview → host, fire and forget
//   request/reply webview → host with an id; the host answers with a reply carrying the same id
//   notification either way, no answer
// Everything the webview sends is validated by `parseWebviewMessage` before the host acts on it.
import { arrayOf, isBoolean, isFiniteNumber, isInt, isNonEmptyString, isString, object, oneOf, optional, type Guard } from './validate';

export const PROTOCOL_VERSION = 1;
const MAX_IDS = 200_000;
/**
 * The inspector lists at most this many examples, and one `erase` message may carry no more:
 * the user has seen every example the webview asks to erase (larger sets go through a deletion request).
 */
export const MAX_ERASE_IDS = 50;
const isId: Guard<string> = (v): v is string => isNonEmptyString(v) && v.length <= 200;
const intIn =
  (min: number, max: number): Guard<number> =>
  (v): v is number =>
    isInt(v) && v >= min && v <= max;
const nonEmpty =
  <T>(g: Guard<T[]>): Guard<T[]> =>
  (v): v is T[] =>
    g(v) && v.length > 0;

// ── data shapes (plain JSON) ────────────────────────────────────────────────────────────────

export interface StatusView {
  /** n counts every line (duplicates too); distinct is the number of examples (points on the map). */
  dataFile: string;
  n: number;
  distinct: number;
  k: number;
  stateHash: string;
  clustered: boolean;
  certifiedDeletions: number;
  totalDeletions: number;
  malformed: number;
  duplicates: number;
  ollamaHost: string;
  ollamaModel: string;
  ollamaReachable: boolean | null;
}
/**
 * The map's points, sent as binary (typed arrays cross postMessage as buffers, not as JSON numbers):
 * point i is at (xy[2i], xy[2i+1]), in cluster cluster[i] (NO_CLUSTER: unassigned) with the label
 * labelNames[label[i]] (NO_LABEL_INDEX: none). Example texts are fetched on demand (getExample).
 */
export interface MapView {
  ids: string[];
  xy: Float32Array;
  cluster: Uint16Array;
  representatives: string[];
  /** Distinct labels (data-set text: shown with textContent only), in ascending order. */
  labelNames: string[];
  label: Uint32Array;
}
export const NO_CLUSTER = 0xffff;
export const NO_LABEL_INDEX = 0xffffffff;
/** An empty map (nothing clustered yet). */
export function emptyMapView(): MapView {
  return { ids: [], xy: new Float32Array(0), cluster: new Uint16Array(0), representatives: [], labelNames: [], label: new Uint32Array(0) };
}
/** Structural check of a map message (the webview checks what the host sends before drawing it). */
export function isMapView(v: unknown): v is MapView {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  if (!Array.isArray(m.ids) || !Array.isArray(m.representatives)) return false;
  if (!hasValidPoints(m, m.ids.length)) return false;
  return m.ids.every(isId) && m.representatives.every(isId);
}
/** The points' arrays of a map of n points: lengths, finite positions, cluster and label ranges. */
function hasValidPoints(m: Record<string, unknown>, n: number): boolean {
  const { xy, cluster, label, labelNames } = m;
  if (!Array.isArray(labelNames) || !labelNames.every(isString)) return false;
  if (!(xy instanceof Float32Array) || xy.length !== 2 * n) return false;
  if (!(cluster instanceof Uint16Array) || cluster.length !== n) return false;
  if (!(label instanceof Uint32Array) || label.length !== n) return false;
  for (let i = 0; i < 2 * n; i++) if (!Number.isFinite(xy[i])) return false;
  for (let i = 0; i < n; i++) {
    if (cluster[i] !== NO_CLUSTER && cluster[i] > MAX_CLUSTER_INDEX) return false;
    if (label[i] !== NO_LABEL_INDEX && label[i] >= labelNames.length) return false;
  }
  return true;
}

/**
 * A whole map travels as two messages: `mapPoints` (positions, clusters, labels: all its first
 * paint needs, 0.8 MB at 60k) and then `mapIds` (the ids and representatives: 4 MB at 60k when ids
 * are 64-hex content hashes). In code-server a message's trip grows with its size, so the map is
 * drawn while its ids are still on the way. `seq` pairs the two: ids are never put on the points of
 * another map (a click would then select, and erase, the wrong example).
 */
export interface MapPointsView {
  seq: number;
  xy: Float32Array;
  cluster: Uint16Array;
  labelNames: string[];
  label: Uint32Array;
}
export interface MapIdsView {
  seq: number;
  ids: string[];
  representatives: string[];
}
export function splitMapView(m: MapView, seq: number): { points: MapPointsView; ids: MapIdsView } {
  return {
    points: { seq, xy: m.xy, cluster: m.cluster, labelNames: m.labelNames, label: m.label },
    ids: { seq, ids: m.ids, representatives: m.representatives },
  };
}
export function isMapPointsView(v: unknown): v is MapPointsView {
  if (typeof v !== 'object' || v === null) return false;
  const m = v as Record<string, unknown>;
  return isInt(m.seq) && m.cluster instanceof Uint16Array && hasValidPoints(m, m.cluster.length);
}
/** The whole map from its two halves, or null when they are not of the same map (or not well formed). */
export function joinMapView(points: MapPointsView, ids: unknown): MapView | null {
  if (typeof ids !== 'object' || ids === null) return null;
  const i = ids as Record<string, unknown>;
  if (i.seq !== points.seq) return null;
  const whole = { ids: i.ids, xy: points.xy, cluster: points.cluster, representatives: i.representatives, labelNames: points.labelNames, label: points.label };
  return isMapView(whole) ? whole : null;
}
/**
 * The map's change after a certified erasure: the erased points leave, every other point keeps its
 * place and cluster; `representatives` are the ones after the erasure. A retrain sends the whole map instead.
 */
export interface MapDeltaView {
  removedIds: string[];
  representatives: string[];
}
export function isMapDeltaView(v: unknown): v is MapDeltaView {
  return object({ removedIds: arrayOf(isId, MAX_IDS), representatives: arrayOf(isId, MAX_CLUSTER_INDEX + 1) })(v);
}
export interface ExampleDetail {
  id: string;
  input: string;
  output: string;
  label?: string;
  lines: number[];
  cluster: number;
  isRepresentative: boolean;
  multiplicity: number;
}
export interface ReceiptView {
  requestId: string;
  erasedIds: string[];
  certified: boolean;
  retrained: boolean;
  ms: number;
  stateHashBefore: string;
  stateHashAfter: string;
  promptChanged: boolean;
  /** Per cluster: the representative that left (id only: its text is erased) and the one that replaced it. */
  promptChanges: PromptChangeView[];
  /** Recorded completions whose prompt held an erased example, erased or flagged for review (null: not known, e.g. a re-run). */
  provenance: { mode: 'erase' | 'flag'; completions: number } | null;
}
export interface PromptChangeView {
  cluster: number;
  left: string | null;
  replacedBy: string | null;
}
/** A recorded completion as the inspector lists it: the answer's text only when the workspace keeps answers as text. */
export interface CompletionView {
  id: string;
  time: string;
  source: 'playground' | 'complete' | 'eval';
  model: string;
  template: string;
  exampleCount: number;
  answer?: string;
  answerHmac?: string;
  flagged: boolean;
}
export interface VerifyView {
  equal: boolean;
  stateHash: string;
  scratchHash: string;
  ms: number;
}
/** An audit entry as shown: counts and hashes only, never example text (the log keeps only HMAC commitments of ids). */
export interface AuditEntryView {
  seq: number;
  time: string;
  action: string;
  requestId: string;
  requester?: string;
  subjectRef?: string;
  erasedCount: number;
  certified: boolean;
  retrained: boolean;
  promptChanged: boolean;
  stateHashBefore: string;
  stateHashAfter: string;
  verifiedEqual?: boolean;
  /** The entry's notes (e.g. a refusal's reason, an erasure's follow-up check figures); never erased content (the log refuses it). */
  notes?: string;
}
export interface ModelsView {
  models: string[];
  selected: string;
}
export type RequestStatusView = 'received' | 'matched' | 'erased' | 'verified' | 'refused';
/** A deletion-request record as shown (from core's request store). The match text is not sent back. */
export interface RequestView {
  requestId: string;
  status: RequestStatusView;
  requester?: string;
  subjectRef?: string;
  reason?: string;
  receivedAt: string;
  deadline: string;
  overdue: boolean;
  matchKind: 'ids' | 'text' | 'regex';
  matchedCount: number;
  refusedReason?: string;
  receipt?: { erasedCount: number; certified: boolean; retrained: boolean; stateHashAfter: string; auditSeq: number; verifiedEqual: boolean | null };
}
/** An example a request would erase, shown as text before anything is erased. */
export interface PreviewExampleView {
  id: string;
  input: string;
  output: string;
  lines: number[];
}
export interface PreviewView {
  preview: PreviewExampleView[];
  total: number;
}
export interface NewRequestParams {
  requester: string;
  subjectRef?: string;
  reason?: string;
  /** A text or pattern, or the examples selected in the workbench (search hits, a lasso, a group). */
  match: { kind: 'text' | 'regex'; value: string; ignoreCase: boolean } | { kind: 'ids'; ids: string[] };
  deadlineDays?: number;
}

/** The inputs of the unlearning-cost formula (core's CostParams), in the order the panel lists them. */
export const COST_INPUT_KEYS = [
  'queriesPerDay',
  'deletionsPerMonth',
  'months',
  'shards',
  'examples',
  'extraPromptTokens',
  'zeroShotPromptTokens',
  'certifiedShare',
  'certifiedErasureSeconds',
  'retrainErasureSeconds',
  'pricePer1kTokens',
  'cpuPerHour',
  'gpuPerHour',
  'fineTuneSecondsPerExample',
] as const;
export type CostInputKey = (typeof COST_INPUT_KEYS)[number];
/** One input as shown: its value and where it came from (set by you, measured here, estimated, or an assumption to replace). */
export interface CostInputView {
  key: CostInputKey;
  symbol: string;
  label: string;
  unit: string;
  value: number;
  source: 'user' | 'measured' | 'estimated' | 'assumed';
  note: string;
}
export interface CostMethodView {
  total: number;
  terms: { name: string; value: number }[];
}
export interface CostView {
  inputs: CostInputView[];
  queries: number;
  deletions: number;
  icl: CostMethodView;
  fineTune: CostMethodView;
  sisa: CostMethodView;
  cheapest: 'icl' | 'fineTune' | 'sisa';
  breakEvenQueriesPerDay: number | null;
  formula: string[];
}
const isCostNumber = (v: unknown): v is number => isFiniteNumber(v) && v >= 0 && v <= 1e15;
/** The compliance dashboard (core's Dashboard, as plain JSON): counts, times and ids, never example text. */
export interface DashboardView {
  now: string;
  requests: {
    total: number;
    waiting: number;
    overdue: number;
    dueSoon: number;
    erased: number;
    verified: number;
    refused: number;
    overdueIds: readonly string[];
    dueSoonIds: readonly string[];
    nextDeadline: { requestId: string; deadline: string } | null;
  };
  lastVerify: { time: string; equal: boolean; seq: number; stateHash: string; current: boolean } | null;
  audit: {
    entries: number;
    rootHash: string;
    lastCheckpoint: { size: number; time: string; coversAll: boolean } | null;
    lastCheck: { time: string; ok: boolean; size: number; rootHash: string; problems: number; keyResets: number; stale: boolean } | null;
  };
  erasures: { total: number; certified: number; retrained: number; certifiedShare: number | null };
  residuals: { outstanding: number; requestIds: readonly string[]; unscanned: number; incomplete: number };
}
/** One bar of the evaluation chart, in SVG user units (core's accuracyChart computes them). */
export interface EvalChartBarView {
  selector: string;
  label: string;
  accuracy: number;
  ci95: readonly [number, number];
  n: number;
  x: number;
  y: number;
  width: number;
  height: number;
  cx: number;
  yLo: number;
  yHi: number;
  capWidth: number;
  valueLabel: string;
  valueY: number;
  title: string;
}
export interface EvalChartView {
  width: number;
  height: number;
  plot: { x: number; y: number; width: number; height: number };
  ticks: readonly { value: number; y: number; label: string }[];
  labelY: number;
  bars: readonly EvalChartBarView[];
  caption: string;
}
/** An evaluation's result as shown: figures per selector and the chart (ids of the examples used are left out). */
export interface EvalView {
  model: string;
  n: number;
  poolSize: number;
  labels: string[];
  seeds: number;
  rows: { selector: string; label: string; accuracy: number; ci95: [number, number]; n: number; promptTokens: number; promptTokensOverZeroShot: number; msPerQuery: number }[];
  chart: EvalChartView;
}
export interface EvalParams {
  runId: string;
  /** Hold out this fraction of the data set (seeded), or … */
  split?: number;
  /** … use the held-out file picked with pickHeldoutFile (the host keeps its path; the webview never sends one). */
  heldout?: boolean;
  seeds: number;
  limit?: number;
}
// Exploring the data (issue 11): described clusters, search, near-duplicates, outliers, the list view, export.
/** A described cluster as the map legend shows it (core's describeClusters; keywords and labels are data-set text). */
export interface ClusterSummaryView {
  index: number;
  /** Rows, multiplicities counted (as `erase describe`). */
  size: number;
  labels: Record<string, number>;
  keywords: string[];
}
export type SearchKind = 'text' | 'regex' | 'near';
export interface SearchParams {
  kind: SearchKind;
  /** The text, RE2 pattern or meaning query. Never saved, never logged. */
  query: string;
  ignoreCase: boolean;
  limit: number;
}
export interface SearchHitView {
  id: string;
  /** 'near' only: distance in the projected space (smaller is nearer). */
  distance?: number;
}
export interface NearDuplicateGroupView {
  ids: string[];
  maxDistance: number;
}
export interface OutlierView {
  id: string;
  cluster: number;
  distance: number;
  /** The distance in units of the cluster's typical radius (the ranking). */
  score: number;
}
/** One row of the accessible list view; snippet is the start of the input text (textContent only). */
export interface ExampleRowView {
  id: string;
  cluster: number;
  label?: string;
  snippet: string;
}
/** What to export: explicit ids (a selection, search hits, a near-duplicate group) or a whole cluster. */
export type ExportSelectionParams = { kind: 'ids'; ids: string[] } | { kind: 'cluster'; cluster: number };
export type ExportResultView = { cancelled: true } | { cancelled: false; file: string; examples: number; lines: number; bytes: number };
/** Search results are capped: the host answers at most this many hits (and says when there were more). */
export const MAX_SEARCH_HITS = 5000;
export const MAX_SEARCH_QUERY = 10_000;
/** "By meaning" ranks every example: the nearest few are what the user asked for (workbench and Data set tree alike). */
export const NEAR_SEARCH_HITS = 10;
export const MAX_OUTLIERS = 1000;
/** Clusters are numbered 0..k-1 and k is at most this (as `erase export-selection --cluster`). */
const MAX_CLUSTER_INDEX = 1023;
/** The prompt template as the playground edits it (core's PromptTemplate). */
export interface TemplateView {
  format: 1;
  system: string;
  instruction: string;
  example: string;
  query: string;
  separator: string;
}
/** Model options (core's GenerationSettings); unset numbers are the server's defaults. */
export interface GenerationView {
  api: 'generate' | 'chat';
  temperature?: number;
  topP?: number;
  seed?: number;
  numCtx?: number;
  numPredict?: number;
  think: boolean;
}
export interface PromptSettingsView {
  template: TemplateView;
  generation: GenerationView;
  templateVersion: string;
}
export interface TemplateIssueView {
  field: 'system' | 'instruction' | 'example' | 'query' | 'separator';
  line: number;
  column: number;
  message: string;
}
export type PromptSelectorView = 'erase' | 'knn' | 'random' | 'zeroShot';
export const PROMPT_SELECTOR_VIEWS: readonly PromptSelectorView[] = ['erase', 'knn', 'random', 'zeroShot'];
/** A prompt exactly as it will be sent: text, system prompt, example ids and its size before sending. */
export interface PromptView {
  selector: PromptSelectorView;
  text: string;
  system: string;
  ids: string[];
  templateVersion: string;
  estimatedTokens: number;
  /** Set when the estimate says the prompt may not fit the context. */
  contextWarning?: string;
}

// ── webview → host ──────────────────────────────────────────────────────────────────────────

export interface WebviewRequests {
  getExample: { params: { id: string }; result: ExampleDetail };
  findExamples: { params: { text: string }; result: { ids: string[] } };
  erase: { params: { ids: string[]; requester?: string; reason?: string }; result: ReceiptView };
  verify: { params: Record<string, never>; result: VerifyView };
  listModels: { params: Record<string, never>; result: ModelsView };
  listRequests: { params: Record<string, never>; result: { requests: RequestView[] } };
  /** Records a request (received → matched) and returns what it would erase; nothing is erased. */
  createRequest: { params: NewRequestParams; result: { record: RequestView } & PreviewView };
  previewRequest: { params: { requestId: string }; result: PreviewView };
  /** Erases what the request matches (the webview asked the user to confirm first). */
  runRequest: { params: { requestId: string }; result: { record: RequestView; receipt: ReceiptView } };
  refuseRequest: { params: { requestId: string; reason: string }; result: { record: RequestView } };
  /**
   * Starts a streamed completion; chunks arrive as `completionChunk` notifications with this
   * streamId. `selector` picks the examples (default: ERASE's; withExamples false: none).
   */
  complete: {
    params: { streamId: string; query: string; model: string; withExamples?: boolean; selector?: PromptSelectorView };
    result: { ids: string[]; prompt: PromptView };
  };
  getPromptSettings: { params: Record<string, never>; result: PromptSettingsView };
  /** Renders a query with a draft template and options (unsaved): the prompt as it would be sent, or the template's problems. */
  previewPrompt: {
    params: { query: string; selector: PromptSelectorView; template: TemplateView; generation: GenerationView };
    result: { issues: TemplateIssueView[]; optionIssues: string[]; prompt?: PromptView };
  };
  /** Validates and saves the template and options to the workspace configuration (.erase/config.json). */
  savePromptSettings: { params: { template: TemplateView; generation: GenerationView }; result: PromptSettingsView };
  /** The holistic unlearning cost with the inputs the user set (the others measured or assumed by the host). */
  unlearningCost: { params: { overrides: Partial<Record<CostInputKey, number>> }; result: CostView };
  /** The compliance dashboard now (it is also pushed after every change). */
  getDashboard: { params: Record<string, never>; result: DashboardView };
  /** Retrains from scratch and compares, recorded as a `verify` audit entry. */
  verifyAndRecord: { params: Record<string, never>; result: VerifyView & { auditSeq: number } };
  /** Opens a file dialog for a labelled held-out file; the host keeps the path, the webview gets its name. */
  pickHeldoutFile: { params: Record<string, never>; result: { name: string | null } };
  /** Runs an evaluation against the configured Ollama model; progress arrives as `evalProgress` notifications. */
  runEval: { params: EvalParams; result: EvalView };
  describeClusters: { params: Record<string, never>; result: { clusters: ClusterSummaryView[] } };
  /** Text / regex hits in file order, near hits nearest first; truncated when more than `limit` matched. */
  searchExamples: { params: SearchParams; result: { hits: SearchHitView[]; truncated: boolean } };
  nearDuplicates: { params: { threshold: number }; result: { threshold: number; groups: NearDuplicateGroupView[] } };
  outliers: { params: { limit: number }; result: { outliers: OutlierView[] } };
  listExamples: { params: Record<string, never>; result: { rows: ExampleRowView[] } };
  /** The host asks where to save (a dialog), then core writes the examples' own lines. */
  exportSelection: { params: ExportSelectionParams; result: ExportResultView };
  /** The recorded completions whose prompt held this example (provenance). */
  completionsUsing: { params: { id: string }; result: { completions: CompletionView[] } };
}
export interface WebviewCommands {
  revealExample: { id: string };
  cancelCompletion: { streamId: string };
  openSettings: { query: string };
  /** Runs one of a fixed list of the extension's own commands (buttons like "Cluster now"). */
  runCommand: { command: 'erase.cluster' | 'erase.verify' | 'erase.importData' | 'erase.pickModel' | 'erase.verifyAuditLog' | 'erase.residuals.focus' };
  cancelEval: { runId: string };
}
export interface WebviewNotifications {
  ready: { version: number };
}

const isSelector = oneOf('erase', 'knn', 'random', 'zeroShot');
const isTemplate: Guard<TemplateView> = object({
  format: (v: unknown): v is 1 => v === 1,
  system: isString,
  instruction: isString,
  example: isString,
  query: isString,
  separator: isString,
});
// ranges are core's to check (one message per problem); here only the types
const isGeneration: Guard<GenerationView> = object({
  api: oneOf('generate', 'chat'),
  temperature: optional(isFiniteNumber),
  topP: optional(isFiniteNumber),
  seed: optional(isFiniteNumber),
  numCtx: optional(isFiniteNumber),
  numPredict: optional(isFiniteNumber),
  think: isBoolean,
});

const paramGuards = {
  request: {
    getExample: object({ id: isId }),
    findExamples: object({ text: isNonEmptyString }),
    erase: object({ ids: arrayOf(isId, MAX_ERASE_IDS), requester: optional(isString), reason: optional(isString) }),
    verify: object({}),
    listModels: object({}),
    complete: object({ streamId: isId, query: isString, model: isString, withExamples: optional(isBoolean), selector: optional(isSelector) }),
    getPromptSettings: object({}),
    previewPrompt: object({ query: isString, selector: isSelector, template: isTemplate, generation: isGeneration }),
    savePromptSettings: object({ template: isTemplate, generation: isGeneration }),
    listRequests: object({}),
    createRequest: object({
      requester: isNonEmptyString,
      subjectRef: optional(isString),
      reason: optional(isString),
      match: (v: unknown): v is NewRequestParams['match'] =>
        object({ kind: oneOf('text', 'regex'), value: isNonEmptyString, ignoreCase: isBoolean })(v) || object({ kind: oneOf('ids'), ids: nonEmpty(arrayOf(isId, MAX_IDS)) })(v),
      deadlineDays: optional((v: unknown): v is number => isInt(v) && v >= 1 && v <= 3650),
    }),
    previewRequest: object({ requestId: isId }),
    runRequest: object({ requestId: isId }),
    refuseRequest: object({ requestId: isId, reason: isNonEmptyString }),
    unlearningCost: object({
      overrides: object(Object.fromEntries(COST_INPUT_KEYS.map((k) => [k, optional(isCostNumber)])) as Record<CostInputKey, Guard<number | undefined>>),
    }),
    getDashboard: object({}),
    verifyAndRecord: object({}),
    pickHeldoutFile: object({}),
    runEval: object({
      runId: isId,
      split: optional((v: unknown): v is number => isFiniteNumber(v) && v > 0 && v < 1),
      heldout: optional(isBoolean),
      seeds: (v: unknown): v is number => isInt(v) && v >= 1 && v <= 20,
      limit: optional((v: unknown): v is number => isInt(v) && v >= 1 && v <= 100_000),
    }),
    describeClusters: object({}),
    searchExamples: object({
      kind: oneOf('text', 'regex', 'near'),
      query: (v: unknown): v is string => isNonEmptyString(v) && v.length <= MAX_SEARCH_QUERY,
      ignoreCase: isBoolean,
      limit: intIn(1, MAX_SEARCH_HITS),
    }),
    // the CLI's bound for --threshold: a projected distance in 0..100
    nearDuplicates: object({ threshold: (v: unknown): v is number => isFiniteNumber(v) && v >= 0 && v < 100 }),
    outliers: object({ limit: intIn(1, MAX_OUTLIERS) }),
    listExamples: object({}),
    exportSelection: (v: unknown): v is ExportSelectionParams =>
      object({ kind: oneOf('ids'), ids: nonEmpty(arrayOf(isId, MAX_IDS)) })(v) || object({ kind: oneOf('cluster'), cluster: intIn(0, MAX_CLUSTER_INDEX) })(v),
    completionsUsing: object({ id: isId }),
  } satisfies { [M in keyof WebviewRequests]: Guard<WebviewRequests[M]['params']> },
  command: {
    revealExample: object({ id: isId }),
    cancelCompletion: object({ streamId: isId }),
    openSettings: object({ query: oneOf('erase.ollamaHost', 'erase.ollamaModel', 'erase') }),
    runCommand: object({ command: oneOf('erase.cluster', 'erase.verify', 'erase.importData', 'erase.pickModel', 'erase.verifyAuditLog', 'erase.residuals.focus') }),
    cancelEval: object({ runId: isId }),
  } satisfies { [M in keyof WebviewCommands]: Guard<WebviewCommands[M]> },
  notification: {
    ready: object({ version: isInt }),
  } satisfies { [M in keyof WebviewNotifications]: Guard<WebviewNotifications[M]> },
};

export type WebviewRequestMessage = { [M in keyof WebviewRequests]: { kind: 'request'; id: number; method: M; params: WebviewRequests[M]['params'] } }[keyof WebviewRequests];
export type WebviewCommandMessage = { [M in keyof WebviewCommands]: { kind: 'command'; method: M; params: WebviewCommands[M] } }[keyof WebviewCommands];
export type WebviewNotificationMessage = { [M in keyof WebviewNotifications]: { kind: 'notification'; method: M; params: WebviewNotifications[M] } }[keyof WebviewNotifications];
export type WebviewMessage = WebviewRequestMessage | WebviewCommandMessage | WebviewNotificationMessage;

export type ParseResult = { ok: true; message: WebviewMessage } | { ok: false; error: string; requestId?: number };

/** Validates a raw message from the webview. Malformed messages are rejected with a reason. */
export function parseWebviewMessage(raw: unknown): ParseResult {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, error: 'message is not an object' };
  const m = raw as Record<string, unknown>;
  const kind = m.kind;
  if (kind !== 'request' && kind !== 'command' && kind !== 'notification') return { ok: false, error: 'unknown message kind' };
  const requestId = kind === 'request' && isInt(m.id) && (m.id as number) >= 0 ? (m.id as number) : undefined;
  if (kind === 'request' && requestId === undefined) return { ok: false, error: 'request without a valid id' };
  const allowed = new Set(kind === 'request' ? ['kind', 'id', 'method', 'params'] : ['kind', 'method', 'params']);
  for (const k of Object.keys(m)) if (!allowed.has(k)) return { ok: false, error: `unexpected field '${k}'`, requestId };
  const table = paramGuards[kind] as Record<string, Guard<unknown>>;
  const method = m.method;
  if (typeof method !== 'string' || !Object.prototype.hasOwnProperty.call(table, method)) return { ok: false, error: `unknown ${kind} method`, requestId };
  if (!table[method](m.params)) return { ok: false, error: `invalid params for ${kind} '${method}'`, requestId };
  return { ok: true, message: m as unknown as WebviewMessage };
}

// ── host → webview ──────────────────────────────────────────────────────────────────────────

export interface HostNotifications {
  status: StatusView;
  /** A whole map, in two messages (see MapPointsView). */
  mapPoints: MapPointsView;
  mapIds: MapIdsView;
  /** After a certified erasure, instead of `map`: the points to remove (see MapDeltaView). */
  mapDelta: MapDeltaView;
  audit: { entries: AuditEntryView[] };
  requests: { requests: RequestView[] };
  /** A piece of the answer, or (thinking: true) of a thinking model's thinking. */
  completionChunk: { streamId: string; text: string; thinking?: boolean };
  /** promptEvalCount: the prompt's size as the server counted it; contextWarning: it filled the context. */
  completionEnd: { streamId: string; error?: string; cancelled?: boolean; promptEvalCount?: number; evalCount?: number; contextWarning?: string };
  select: { ids: string[] };
  /** Examples just erased: the webview drops their ids and any text it holds about them. */
  erased: { ids: string[] };
  dashboard: DashboardView;
  evalProgress: { runId: string; done: number; total: number };
  /** The host's epoch-ms marks of the workbench's first open (extension/openTimings.ts), for the UI benchmark. */
  openTimings: { marks: Record<string, number> };
}
export type HostNotificationMessage = { [M in keyof HostNotifications]: { kind: 'notification'; method: M; params: HostNotifications[M] } }[keyof HostNotifications];
export type ReplyMessage = { kind: 'reply'; id: number; ok: true; result: unknown } | { kind: 'reply'; id: number; ok: false; error: string };
export type HostMessage = HostNotificationMessage | ReplyMessage;

/** The webview checks host messages too (cheaply): it only trusts the envelope it expects. */
export function isHostMessage(raw: unknown): raw is HostMessage {
  if (typeof raw !== 'object' || raw === null) return false;
  const m = raw as Record<string, unknown>;
  if (m.kind === 'reply') return isInt(m.id) && isBoolean(m.ok);
  return m.kind === 'notification' && typeof m.method === 'string' && typeof m.params === 'object' && m.params !== null;
}

// ── saved webview state: ids and view settings only, never example text ─────────────────────

export interface SavedViewState {
  tab: string;
  view: { x: number; y: number; scale: number };
  selected: string[];
  withExamples: boolean;
  /** Map settings (optional: states saved before they existed stay valid). Never a search query. */
  colorBy?: 'cluster' | 'label';
  hiddenClusters?: number[];
}
export const isSavedViewState: Guard<SavedViewState> = object({
  tab: isString,
  view: object({ x: isFiniteNumber, y: isFiniteNumber, scale: isFiniteNumber }),
  selected: arrayOf(isId, MAX_IDS),
  withExamples: isBoolean,
  colorBy: optional(oneOf('cluster', 'label')),
  hiddenClusters: optional(arrayOf(intIn(0, MAX_CLUSTER_INDEX), MAX_CLUSTER_INDEX + 1)),
});

/** The saved state without any erased id (saved state survives reloads: erased ids must not). */
export function withoutErased(state: SavedViewState, erased: readonly string[]): SavedViewState {
  const gone = new Set(erased);
  return { ...state, selected: state.selected.filter((id) => !gone.has(id)) };
}
