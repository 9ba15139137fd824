// Deletion requests: a form (requester, reason, text to match) that finds matching examples and
// erases them after confirmation; the list of past requests comes from the audit log (counts and
// hashes only). The ids of the last erasure are shown only until the page is reloaded.
import type { AuditEntryView, ReceiptView } from '../src/shared/protocol';
import { h, replaceChildren } from './dom';
import { request } from './rpc';

export class DeletionRequests {
  private readonly requester = h('vscode-textfield', { id: 'dr-requester', placeholder: 'Requester, e.g. customer X' }) as HTMLInputElement;
  private readonly reason = h('vscode-textfield', { id: 'dr-reason', placeholder: 'Reason / ticket' }) as HTMLInputElement;
  private readonly text = h('vscode-textfield', { id: 'dr-text', placeholder: 'Text to match (case-insensitive)' }) as HTMLInputElement;
  private readonly found = h('div', { id: 'dr-found' });
  private readonly list = h('table', { id: 'dr-list', class: 'grid' });

  constructor(root: HTMLElement, private readonly onErased: (r: ReceiptView) => void) {
    const find = h('vscode-button', { id: 'dr-find' }, 'Find matching examples');
    find.addEventListener('click', () => void this.find());
    root.append(h('h3', {}, 'New deletion request'), this.requester, this.reason, this.text, h('div', { class: 'toolbar' }, find), this.found, h('h3', {}, 'Requests'), this.list);
  }

  private async find(): Promise<void> {
    const text = this.text.value.trim();
    if (!text) return;
    const { ids } = await request('findExamples', { text });
    this.found.dataset.count = String(ids.length);
    if (!ids.length) { replaceChildren(this.found, h('p', { class: 'muted' }, 'No example matches.')); return; }
    const go = h('vscode-button', { id: 'dr-erase' }, `Erase ${ids.length} matching example(s)`);
    const status = h('span', { class: 'muted' });
    go.addEventListener('click', async () => {
      go.setAttribute('disabled', '');
      status.textContent = 'Erasing…';
      try {
        const r = await request('erase', { ids, requester: this.requester.value || undefined, reason: this.reason.value || undefined });
        replaceChildren(this.found, h('p', { id: 'dr-receipt' }, `Erased ${r.erasedIds.length}: ${r.certified ? 'certified deletion' : 'retrained'} in ${r.ms.toFixed(1)} ms. Request ${r.requestId}.`));
        this.onErased(r);
      } catch (e) {
        status.textContent = `Failed: ${(e as Error).message}`;
        go.removeAttribute('disabled');
      }
    });
    replaceChildren(this.found, h('p', {}, `${ids.length} match(es): `, ...ids.slice(0, 20).map((id) => h('code', {}, id + ' '))), h('div', { class: 'toolbar' }, go, status));
  }

  update(entries: AuditEntryView[]): void {
    const rows = entries.filter((e) => e.action === 'erase' || e.action === 'refuse').reverse();
    replaceChildren(this.list,
      h('tr', {}, ...['Time', 'Requester', 'Erased', 'Result', 'Request'].map((t) => h('th', {}, t))),
      ...rows.map((e) => h('tr', { 'data-request-id': e.requestId },
        h('td', {}, e.time), h('td', {}, e.requester ?? '—'), h('td', {}, String(e.erasedCount)),
        h('td', {}, e.action === 'refuse' ? 'refused' : e.certified ? 'certified' : 'retrained'), h('td', {}, h('code', {}, e.requestId)))));
    this.list.dataset.count = String(rows.length);
  }
}
