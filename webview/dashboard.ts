// The compliance dashboard (first tab): open requests by deadline, the last verify, the audit log's
// state, the certified share of erasures, residual copies outstanding. Each card leads to where the
// item is handled. Counts, times and ids only; every string goes in as text.
import type { DashboardView } from '../src/shared/protocol';
import { h, replaceChildren } from './dom';
import { command, request } from './rpc';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const day = (iso: string) => iso.slice(0, 10);
const when = (iso: string) => iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');

export interface DashboardActions {
  showTab(id: 'requests' | 'audit'): void;
}

export class Dashboard {
  private readonly grid = h('div', { id: 'dash', class: 'dash-grid', 'data-state': 'loading' }, 'Loading…');
  private readonly status = h('div', { id: 'dash-status', class: 'muted', role: 'status' });
  private verifying = false;

  constructor(
    root: HTMLElement,
    private readonly actions: DashboardActions,
  ) {
    root.append(h('h3', {}, 'Compliance'), this.grid, this.status);
  }

  private card(id: string, title: string, state: 'ok' | 'warn' | 'bad' | 'none', main: string, details: string[], ...buttons: HTMLElement[]): HTMLElement {
    return h(
      'section',
      { id, class: `dash-card ${state}`, 'data-state': state },
      h('h4', {}, title),
      h('div', { class: 'dash-main' }, main),
      ...details.map((d) => h('div', { class: 'muted' }, d)),
      h('div', { class: 'toolbar' }, ...buttons),
    );
  }

  private button(id: string, label: string, onClick: () => void, secondary = true): HTMLElement {
    const b = h('vscode-button', { id, secondary }, label);
    b.addEventListener('click', onClick);
    return b;
  }

  private async verifyNow(): Promise<void> {
    if (this.verifying) return;
    this.verifying = true;
    this.status.textContent = 'Verifying: retraining from scratch…';
    try {
      const r = await request('verifyAndRecord', {});
      this.status.textContent = `${r.equal ? 'Equal' : 'NOT EQUAL'}: recorded as audit entry #${r.auditSeq}.`;
    } catch (e) {
      this.status.textContent = `Verify failed: ${(e as Error).message}`;
    } finally {
      this.verifying = false;
    }
  }

  /** Asks the host for the dashboard now (no data set: it stays as it is). */
  async refresh(): Promise<void> {
    try {
      this.update(await request('getDashboard', {}));
    } catch {
      // no data set yet, or the host is busy: the next push brings it
    }
  }

  update(d: DashboardView): void {
    const r = d.requests;
    const v = d.lastVerify;
    const a = d.audit;
    const e = d.erasures;
    const res = d.residuals;
    const requests = this.card(
      'dash-requests',
      'Deletion requests',
      r.overdue ? 'bad' : r.dueSoon ? 'warn' : 'ok',
      `${r.waiting} waiting · ${r.overdue} overdue · ${r.dueSoon} due within 7 days`,
      [
        r.nextDeadline ? `Next deadline: ${r.nextDeadline.requestId} by ${day(r.nextDeadline.deadline)}` : 'No request is waiting.',
        `${r.erased + r.verified} erased (${r.verified} verified), ${r.refused} refused, ${r.total} in all`,
      ],
      this.button('dash-open-requests', 'Open deletion requests', () => this.actions.showTab('requests'), false),
    );
    for (const [k, n] of [
      ['waiting', r.waiting],
      ['overdue', r.overdue],
      ['due-soon', r.dueSoon],
    ] as const)
      requests.dataset[k === 'due-soon' ? 'dueSoon' : k] = String(n);

    const verify = this.card(
      'dash-verify',
      'Last verification',
      !v ? 'warn' : !v.equal ? 'bad' : v.current ? 'ok' : 'warn',
      v ? `${v.equal ? 'Equal to a retrain' : 'NOT EQUAL to a retrain'} · ${when(v.time)}` : 'Never verified',
      v
        ? [`Audit entry #${v.seq}, state ${v.stateHash.slice(0, 12)}…`, v.current ? 'It verified the current state.' : 'The state has changed since: verify again.']
        : ['Retrain from scratch and compare state hashes.'],
      this.button('dash-verify-now', 'Verify now', () => void this.verifyNow(), false),
    );
    verify.dataset.equal = v ? String(v.equal) : 'none';
    verify.dataset.seq = v ? String(v.seq) : '';

    const check = a.lastCheck;
    const audit = this.card(
      'dash-audit',
      'Audit log',
      check && !check.ok ? 'bad' : !check || check.stale ? 'warn' : 'ok',
      `${a.entries} entries · last audit verify ${check ? `${check.ok ? 'OK' : `FAILED (${check.problems} problem(s))`}` : 'never'}`,
      [
        a.lastCheckpoint
          ? `Last signed checkpoint: ${when(a.lastCheckpoint.time)} at size ${a.lastCheckpoint.size}${a.lastCheckpoint.coversAll ? '' : ' (later entries unsigned)'}`
          : 'No signed checkpoint yet.',
        check ? `Checked ${when(check.time)} at size ${check.size}${check.stale ? '; the log has grown since' : ''}` : 'The log has never been checked.',
      ],
      this.button('dash-open-audit', 'Open audit log', () => this.actions.showTab('audit'), false),
      this.button('dash-verify-audit', 'Verify audit log', () => command('runCommand', { command: 'erase.verifyAuditLog' })),
    );
    audit.dataset.entries = String(a.entries);

    const erasures = this.card(
      'dash-certified',
      'Certified erasures',
      e.total === 0 ? 'none' : 'ok',
      e.certifiedShare === null ? 'No erasure yet' : `${pct(e.certifiedShare)} certified (${e.certified} of ${e.total})`,
      [`${e.retrained} needed a retrain; certified ones cost no retraining.`],
      this.button('dash-open-audit-2', 'See them in the audit log', () => this.actions.showTab('audit')),
    );
    erasures.dataset.total = String(e.total);
    erasures.dataset.certified = String(e.certified);

    const residuals = this.card(
      'dash-residuals',
      'Residual copies',
      res.outstanding ? 'bad' : res.unscanned || res.incomplete ? 'warn' : 'ok',
      `${res.outstanding} outstanding${res.requestIds.length ? ` in ${res.requestIds.length} request(s)` : ''}`,
      [
        res.requestIds.length ? `Requests: ${res.requestIds.join(', ')}` : 'The last scans found no copy.',
        ...(res.unscanned ? [`${res.unscanned} erased request(s) never scanned`] : []),
        ...(res.incomplete ? [`${res.incomplete} scan(s) could not search everywhere`] : []),
      ],
      this.button('dash-show-residuals', 'Show residual copies', () => command('runCommand', { command: 'erase.residuals.focus' }), false),
    );
    residuals.dataset.outstanding = String(res.outstanding);

    replaceChildren(this.grid, requests, verify, audit, erasures, residuals);
    this.grid.dataset.state = 'ready';
    this.grid.dataset.now = d.now;
  }
}
