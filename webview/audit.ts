// Audit log: a table of entries and a timeline (one mark per entry, certified vs retrained).
import type { AuditEntryView } from '../src/shared/protocol';
import { h, replaceChildren } from './dom';

export class AuditLog {
  private readonly timeline = h('div', { id: 'audit-timeline', class: 'timeline', role: 'img', 'aria-label': 'audit timeline' });
  private readonly table = h('table', { id: 'audit-table', class: 'grid' });

  constructor(root: HTMLElement) {
    root.append(
      h('h3', {}, 'Timeline'),
      this.timeline,
      h('h3', {}, 'Entries'),
      this.table,
      h('p', { class: 'muted' }, 'The log keeps HMAC commitments of erased ids and contents, never the text.'),
    );
  }

  update(entries: AuditEntryView[]): void {
    const times = entries.map((e) => Date.parse(e.time)).filter(Number.isFinite);
    const t0 = Math.min(...times),
      t1 = Math.max(...times);
    replaceChildren(
      this.timeline,
      ...entries.map((e) => {
        const mark = h('span', { class: `mark ${e.action} ${e.certified ? 'certified' : ''}`, title: `#${e.seq} ${e.action} ${e.time}` });
        const t = Date.parse(e.time);
        mark.style.left = `${t1 > t0 && Number.isFinite(t) ? ((t - t0) / (t1 - t0)) * 100 : 50}%`;
        return mark;
      }),
    );
    replaceChildren(
      this.table,
      h('tr', {}, ...['#', 'Time', 'Action', 'Requester', 'Erased', 'Certified', 'State after'].map((t) => h('th', {}, t))),
      ...[...entries]
        .reverse()
        .map((e) =>
          h(
            'tr',
            { 'data-seq': e.seq, 'data-action': e.action },
            h('td', {}, String(e.seq)),
            h('td', {}, e.time),
            h('td', {}, e.action),
            h('td', {}, e.requester ?? ''),
            h('td', {}, String(e.erasedCount)),
            h('td', {}, e.action === 'verify' ? (e.verifiedEqual ? 'equal' : 'DIFFERS') : e.certified ? 'yes' : 'no'),
            h('td', {}, h('code', {}, e.stateHashAfter.slice(0, 16))),
          ),
        ),
    );
    this.table.dataset.count = String(entries.length);
  }
}
