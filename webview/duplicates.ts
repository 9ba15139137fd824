// Near-duplicates and outliers: groups of near-identical examples (projected vectors within a
// threshold, core's finder — the same as `erase near-duplicates`) and the most isolated examples
// (`erase outliers`). Each can be revealed in the data file, selected into the inspector, exported,
// or erased through the host's erase flow (the host asks for confirmation in a modal dialog).
import { MAX_ERASE_IDS, type NearDuplicateGroupView, type OutlierView, type ReceiptView } from '../src/shared/protocol';
import { h, replaceChildren } from './dom';
import { command, request } from './rpc';
import { example } from './tooltip';

export interface DuplicatesCallbacks {
  onSelect(ids: string[]): void;
  onExport(ids: string[], status: HTMLElement): void;
  onErased(r: ReceiptView): void;
}

const DEFAULT_THRESHOLD = '0.2'; // core's DEFAULT_NEAR_DUPLICATE_THRESHOLD, tuned for the hashing embedder
const DEFAULT_OUTLIERS = '20';

export class DuplicatesPanel {
  private readonly threshold = h('vscode-textfield', {
    id: 'nd-threshold',
    value: DEFAULT_THRESHOLD,
    'aria-label': 'near-duplicate threshold (projected distance)',
  }) as HTMLInputElement;
  private readonly limit = h('vscode-textfield', { id: 'ol-limit', value: DEFAULT_OUTLIERS, 'aria-label': 'number of outliers' }) as HTMLInputElement;
  private readonly ndStatus = h('div', { id: 'nd-status', class: 'muted', 'aria-live': 'polite' });
  private readonly olStatus = h('div', { id: 'ol-status', class: 'muted', 'aria-live': 'polite' });
  private readonly groups = h('ol', { id: 'nd-groups', class: 'group-list' });
  private readonly outliers = h('ol', { id: 'ol-list', class: 'group-list' });
  private loaded = false;

  constructor(
    root: HTMLElement,
    private readonly cb: DuplicatesCallbacks,
  ) {
    const findDup = h('vscode-button', { id: 'nd-find' }, 'Find near-duplicates');
    const findOut = h('vscode-button', { id: 'ol-find' }, 'Find outliers');
    findDup.addEventListener('click', () => void this.findDuplicates());
    findOut.addEventListener('click', () => void this.findOutliers());
    root.append(
      h('h3', {}, 'Near-duplicates'),
      h('p', { class: 'muted' }, 'Groups of examples whose vectors lie within the threshold of each other (joined transitively).'),
      h('div', { class: 'row' }, h('label', { for: 'nd-threshold' }, 'Threshold'), this.threshold, findDup),
      this.ndStatus,
      this.groups,
      h('h3', {}, 'Most isolated examples'),
      h('p', { class: 'muted' }, "Ranked by their distance to their cluster's centre in units of the cluster's typical radius."),
      h('div', { class: 'row' }, h('label', { for: 'ol-limit' }, 'How many'), this.limit, findOut),
      this.olStatus,
      this.outliers,
    );
  }

  /** The first time the tab is shown, and after the data changed while it was open. */
  async refresh(force = false): Promise<void> {
    if (this.loaded && !force) return;
    this.loaded = true;
    await Promise.all([this.findDuplicates(), this.findOutliers()]);
  }

  /** The data changed (an erasure, a re-clustering): the lists are recomputed when next shown. */
  invalidate(): void {
    this.loaded = false;
  }

  private async findDuplicates(): Promise<void> {
    const threshold = Number(this.threshold.value);
    if (!(threshold >= 0 && threshold < 100)) {
      this.fail(this.ndStatus, 'The threshold is a projected distance from 0 to 100, e.g. 0.2.');
      return;
    }
    this.busy(this.ndStatus, 'Looking for near-duplicates…');
    try {
      const r = await request('nearDuplicates', { threshold });
      this.ndStatus.textContent = r.groups.length ? `${r.groups.length} group(s) within distance ${r.threshold}` : `no near-duplicates within distance ${r.threshold}`;
      this.groups.dataset.count = String(r.groups.length);
      replaceChildren(this.groups, ...r.groups.map((g, i) => this.group(g, i)));
    } catch (e) {
      this.fail(this.ndStatus, (e as Error).message);
    }
  }

  private async findOutliers(): Promise<void> {
    const limit = Number(this.limit.value);
    if (!(Number.isInteger(limit) && limit >= 1 && limit <= 1000)) {
      this.fail(this.olStatus, 'How many: a whole number from 1 to 1000.');
      return;
    }
    this.busy(this.olStatus, 'Ranking the examples…');
    try {
      const r = await request('outliers', { limit });
      this.olStatus.textContent = `${r.outliers.length} most isolated example(s)`;
      this.outliers.dataset.count = String(r.outliers.length);
      replaceChildren(this.outliers, ...r.outliers.map((o) => this.outlier(o)));
    } catch (e) {
      this.fail(this.olStatus, (e as Error).message);
    }
  }

  private group(g: NearDuplicateGroupView, i: number): HTMLElement {
    const status = h('div', { class: 'muted', 'aria-live': 'polite' });
    return h(
      'li',
      { class: 'group', 'data-group': i },
      h('div', { class: 'muted' }, `${g.ids.length} examples · max distance ${g.maxDistance.toFixed(3)}`),
      h('ul', { class: 'group-members' }, ...g.ids.map((id) => this.member(id, ''))),
      this.actions(g.ids, status),
      status,
    );
  }

  private outlier(o: OutlierView): HTMLElement {
    const status = h('div', { class: 'muted', 'aria-live': 'polite' });
    const li = this.member(o.id, `cluster ${o.cluster} · ${o.score.toFixed(2)}× the cluster's radius`);
    li.append(this.actions([o.id], status), status);
    return li;
  }

  /** One example: its text (textContent), id and a Reveal button; the element goes when the example is erased. */
  private member(id: string, extra: string): HTMLElement {
    const text = h('span', { class: 'hit-text' }, '…');
    const reveal = h('button', { class: 'link-button', title: 'Open the data file at this example' }, 'reveal');
    reveal.addEventListener('click', () => command('revealExample', { id }));
    void example(id).then(
      (d) => (text.textContent = d.input),
      () => (text.textContent = ''),
    );
    return h('li', { 'data-id': id, class: 'member' }, text, h('span', { class: 'muted' }, ` · ${id}${extra ? ` · ${extra}` : ''} `), reveal);
  }

  private actions(ids: string[], status: HTMLElement): HTMLElement {
    const select = h('button', { class: 'link-button nd-select' }, 'select');
    const exportBtn = h('button', { class: 'link-button nd-export' }, 'export…');
    const erase = h('button', { class: 'link-button nd-erase', disabled: ids.length > MAX_ERASE_IDS }, `erase ${ids.length}…`);
    select.addEventListener('click', () => this.cb.onSelect([...ids]));
    exportBtn.addEventListener('click', () => this.cb.onExport([...ids], status));
    erase.addEventListener('click', () => void this.erase(ids, status));
    return h('div', { class: 'toolbar' }, select, exportBtn, erase);
  }

  /** The existing erase flow: the host asks for confirmation (modal), erases and audits. */
  private async erase(ids: string[], status: HTMLElement): Promise<void> {
    status.className = 'muted';
    status.textContent = 'Confirm in the dialog…';
    try {
      const r = await request('erase', { ids: [...ids], reason: 'near-duplicate / outlier review' });
      status.textContent = '';
      this.cb.onErased(r);
    } catch (e) {
      status.className = 'error';
      status.setAttribute('role', 'alert');
      status.textContent = (e as Error).message;
    }
  }

  private busy(el: HTMLElement, text: string): void {
    el.className = 'muted';
    el.removeAttribute('role');
    el.textContent = text;
  }

  private fail(el: HTMLElement, text: string): void {
    el.className = 'error';
    el.setAttribute('role', 'alert');
    el.textContent = text;
  }
}
