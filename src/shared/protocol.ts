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
export interface MapView {
  ids: string[];
  x: number[];
  y: number[];
  cluster: number[];
  representatives: string[];
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
  match: { kind: 'text' | 'regex'; value: string; ignoreCase: boolean };
  deadlineDays?: number;
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
  /** Starts a streamed completion; chunks arrive as `completionChunk` notifications with this streamId. */
  complete: { params: { streamId: string; query: string; model: string; withExamples: boolean }; result: { ids: string[] } };
  /** The recorded completions whose prompt held this example (provenance). */
  completionsUsing: { params: { id: string }; result: { completions: CompletionView[] } };
}
export interface WebviewCommands {
  revealExample: { id: string };
  cancelCompletion: { streamId: string };
  openSettings: { query: string };
  /** Runs one of a fixed list of the extension's own commands (buttons like "Cluster now"). */
  runCommand: { command: 'erase.cluster' | 'erase.verify' | 'erase.importData' | 'erase.pickModel' };
}
export interface WebviewNotifications {
  ready: { version: number };
}

const paramGuards = {
  request: {
    getExample: object({ id: isId }),
    findExamples: object({ text: isNonEmptyString }),
    erase: object({ ids: arrayOf(isId, MAX_ERASE_IDS), requester: optional(isString), reason: optional(isString) }),
    verify: object({}),
    listModels: object({}),
    complete: object({ streamId: isId, query: isString, model: isString, withExamples: isBoolean }),
    listRequests: object({}),
    createRequest: object({
      requester: isNonEmptyString,
      subjectRef: optional(isString),
      reason: optional(isString),
      match: object({ kind: oneOf('text', 'regex'), value: isNonEmptyString, ignoreCase: isBoolean }),
      deadlineDays: optional((v: unknown): v is number => isInt(v) && v >= 1 && v <= 3650),
    }),
    previewRequest: object({ requestId: isId }),
    runRequest: object({ requestId: isId }),
    refuseRequest: object({ requestId: isId, reason: isNonEmptyString }),
    completionsUsing: object({ id: isId }),
  } satisfies { [M in keyof WebviewRequests]: Guard<WebviewRequests[M]['params']> },
  command: {
    revealExample: object({ id: isId }),
    cancelCompletion: object({ streamId: isId }),
    openSettings: object({ query: oneOf('erase.ollamaHost', 'erase.ollamaModel', 'erase') }),
    runCommand: object({ command: oneOf('erase.cluster', 'erase.verify', 'erase.importData', 'erase.pickModel') }),
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
  map: MapView;
  audit: { entries: AuditEntryView[] };
  requests: { requests: RequestView[] };
  completionChunk: { streamId: string; text: string };
  completionEnd: { streamId: string; error?: string; cancelled?: boolean };
  select: { ids: string[] };
  /** Examples just erased: the webview drops their ids and any text it holds about them. */
  erased: { ids: string[] };
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
}
export const isSavedViewState: Guard<SavedViewState> = object({
  tab: isString,
  view: object({ x: isFiniteNumber, y: isFiniteNumber, scale: isFiniteNumber }),
  selected: arrayOf(isId, MAX_IDS),
  withExamples: isBoolean,
});

/** The saved state without any erased id (saved state survives reloads: erased ids must not). */
export function withoutErased(state: SavedViewState, erased: readonly string[]): SavedViewState {
  const gone = new Set(erased);
  return { ...state, selected: state.selected.filter((id) => !gone.has(id)) };
}
