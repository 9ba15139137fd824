// Webview side of the protocol: typed requests with ids and replies, commands, notifications.
import { PROTOCOL_VERSION, isHostMessage, type HostNotifications, type SavedViewState, type WebviewCommands, type WebviewRequests } from '../src/shared/protocol';

interface VsCodeApi {
  postMessage(m: unknown): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
export const vscodeApi = acquireVsCodeApi();

let nextId = 1;
const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
const handlers: { [M in keyof HostNotifications]?: ((p: HostNotifications[M]) => void)[] } = {};

export function request<M extends keyof WebviewRequests>(method: M, params: WebviewRequests[M]['params']): Promise<WebviewRequests[M]['result']> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    vscodeApi.postMessage({ kind: 'request', id, method, params });
  });
}

export function command<M extends keyof WebviewCommands>(method: M, params: WebviewCommands[M]): void {
  vscodeApi.postMessage({ kind: 'command', method, params });
}

export function on<M extends keyof HostNotifications>(method: M, fn: (p: HostNotifications[M]) => void): void {
  ((handlers[method] ??= []) as ((p: HostNotifications[M]) => void)[]).push(fn);
}

export function start(): void {
  window.addEventListener('message', (ev: MessageEvent) => {
    const m = ev.data;
    if (!isHostMessage(m)) return;
    if (m.kind === 'reply') {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new Error(m.error));
      return;
    }
    for (const fn of (handlers[m.method] ?? []) as ((p: unknown) => void)[]) fn(m.params);
  });
  performance.mark('webview-ready-sent');
  vscodeApi.postMessage({ kind: 'notification', method: 'ready', params: { version: PROTOCOL_VERSION } });
}

// Saved state (survives reloads): ids and view settings only; never example text.
export function saveState(s: SavedViewState): void {
  vscodeApi.setState(s);
}
