// Deletion requests: a form that records a request (requester, subject ref, reason, text or
// regex) and shows its PREVIEW — the matched examples as text (textContent only) — before
// anything is erased; then Run (with an in-page confirmation) or Refuse (with a reason). Below,
// the request records from the host: status, deadline, OVERDUE, matched count, receipt.
import type { PreviewView, ReceiptView, RequestView } from '../src/shared/protocol';
import { h, replaceChildren } from './dom';
import { request } from './rpc';
import { receiptDetails } from './provenance';
import { erasureConfirmBox } from './erasureConfirm';

const STATUS: Record<RequestView['status'], string> = { received: 'received', matched: 'waiting', erased: 'erased', verified: 'verified', refused: 'refused' };
const waiting = (r: RequestView) => r.status === 'received' || r.status === 'matched';

export class DeletionRequests {
  private readonly requester = h('vscode-textfield', { id: 'dr-requester', placeholder: 'Requester, e.g. dpo@example.com (required)' }) as HTMLInputElement;
  private readonly subjectRef = h('vscode-textfield', { id: 'dr-subject', placeholder: 'Subject reference / ticket (optional)' }) as HTMLInputElement;
  private readonly reason = h('vscode-textfield', { id: 'dr-reason', placeholder: 'Reason, e.g. GDPR art. 17 (optional)' }) as HTMLInputElement;
  private readonly kind = h(
    'select',
    { id: 'dr-kind', class: 'plain-select' },
    h('option', { value: 'text' }, 'contains text'),
    h('option', { value: 'regex' }, 'matches regex'),
    h('option', { value: 'selection', disabled: true }, 'the examples selected on the map'),
  ) as HTMLSelectElement;
  /** The map's selection (ids only), offered as what a request matches. */
  private selection: string[] = [];
  private readonly text = h('vscode-textfield', { id: 'dr-text', placeholder: 'Text or pattern to match in input and output' }) as HTMLInputElement;
  private readonly ignoreCase = h('input', { id: 'dr-ignore-case', type: 'checkbox', checked: true }) as HTMLInputElement;
  private readonly deadline = h('vscode-textfield', { id: 'dr-deadline', placeholder: 'Deadline in days (default: one month)' }) as HTMLInputElement;
  private readonly formStatus = h('div', { id: 'dr-form-status', class: 'error', role: 'alert' });
  private readonly preview = h('div', { id: 'dr-preview' });
  private readonly list = h('table', { id: 'dr-list', class: 'grid' });
  private records: RequestView[] = [];

  constructor(
    root: HTMLElement,
    private readonly onErased: (r: ReceiptView) => void,
  ) {
    const create = h('vscode-button', { id: 'dr-create' }, 'Record request and preview');
    create.addEventListener('click', () => void this.create());
    root.append(
      h('h3', {}, 'New deletion request'),
      h(
        'div',
        { class: 'form' },
        this.requester,
        this.subjectRef,
        this.reason,
        h('div', { class: 'row' }, this.kind, this.text, h('label', { for: 'dr-ignore-case' }, this.ignoreCase, ' ignore case')),
        this.deadline,
      ),
      h('div', { class: 'toolbar' }, create),
      this.formStatus,
      this.preview,
      h('h3', {}, 'Requests'),
      this.list,
      h('p', { class: 'muted' }, 'Nothing is erased until you press Run and confirm. Erased requests keep counts and hashes only.'),
    );
  }

  /** The map's selection changed: the form can match exactly those examples. */
  setSelection(ids: readonly string[]): void {
    this.selection = [...ids];
    const option = this.kind.querySelector<HTMLOptionElement>('option[value="selection"]')!;
    option.disabled = ids.length === 0;
    option.textContent = ids.length ? `the ${ids.length} example(s) selected on the map` : 'the examples selected on the map (none)';
    if (!ids.length && this.kind.value === 'selection') this.kind.value = 'text';
  }

  /** Pre-selects "the selected examples" as the match (from the inspector's Deletion request button). */
  useSelection(): void {
    if (this.selection.length) this.kind.value = 'selection';
  }

  private async create(): Promise<void> {
    this.formStatus.textContent = '';
    const bySelection = this.kind.value === 'selection';
    const value = (this.text.value ?? '').trim();
    const requester = (this.requester.value ?? '').trim();
    if (!requester) {
      this.formStatus.textContent = 'Who asked? The requester is required.';
      return;
    }
    if (bySelection ? !this.selection.length : !value) {
      this.formStatus.textContent = bySelection ? 'Select examples on the map first.' : 'Give the text or pattern to match.';
      return;
    }
    const days = (this.deadline.value ?? '').trim();
    if (days && !/^\d{1,4}$/.test(days)) {
      this.formStatus.textContent = 'The deadline is a number of days.';
      return;
    }
    try {
      const r = await request('createRequest', {
        requester,
        subjectRef: (this.subjectRef.value ?? '').trim() || undefined,
        reason: (this.reason.value ?? '').trim() || undefined,
        match: bySelection ? { kind: 'ids', ids: [...this.selection] } : { kind: this.kind.value === 'regex' ? 'regex' : 'text', value, ignoreCase: this.ignoreCase.checked },
        deadlineDays: days ? Number(days) : undefined,
      });
      this.text.value = '';
      this.upsert(r.record);
      this.showPreview(r.record, r);
    } catch (e) {
      this.formStatus.textContent = `Failed: ${(e as Error).message}`;
    }
  }

  /** The matched examples as text, with Run / Refuse for a waiting request. */
  private showPreview(rec: RequestView, p: PreviewView): void {
    this.preview.dataset.requestId = rec.requestId;
    this.preview.dataset.count = String(p.total);
    const list = h(
      'ul',
      { id: 'dr-preview-list', class: 'inspector-list' },
      ...p.preview.map((e) =>
        h(
          'li',
          { 'data-id': e.id },
          h('div', { class: 'ex-input' }, e.input),
          h('div', { class: 'ex-output' }, `→ ${e.output}`),
          h('div', { class: 'muted' }, `${e.id} · line ${e.lines.join(', ')}`),
        ),
      ),
    );
    const run = h('vscode-button', { id: 'dr-run', disabled: !p.total }, `Run: erase ${p.total} example(s)…`);
    const refuse = h('vscode-button', { id: 'dr-refuse', secondary: true }, 'Refuse…');
    const close = h('vscode-button', { id: 'dr-preview-close', secondary: true }, 'Close');
    const slot = h('div', { id: 'dr-action-slot' });
    run.addEventListener('click', () => this.confirmRun(rec, p.total, slot));
    refuse.addEventListener('click', () => this.askRefuse(rec, slot));
    close.addEventListener('click', () => replaceChildren(this.preview));
    replaceChildren(
      this.preview,
      h('h3', {}, `Preview of ${rec.requestId}`),
      h(
        'p',
        {},
        p.total
          ? `${p.total} example(s) match${p.total > p.preview.length ? ` (showing ${p.preview.length})` : ''}. Nothing has been erased yet.`
          : 'No example matches. You can still refuse or keep the request.',
      ),
      list,
      waiting(rec) ? h('div', { class: 'toolbar' }, run, refuse, close) : h('div', { class: 'toolbar' }, close),
      slot,
    );
  }

  private confirmRun(rec: RequestView, n: number, slot: HTMLElement): void {
    const box = erasureConfirmBox({
      ids: { yes: 'dr-confirm-run', no: 'dr-confirm-cancel', status: 'dr-run-status' },
      count: n,
      question: `Erase ${n} example(s) for request ${rec.requestId}? Their lines are removed from the data file and the prompt is updated. This cannot be undone.`,
      run: async () => {
        const r = await request('runRequest', { requestId: rec.requestId });
        this.upsert(r.record);
        replaceChildren(
          this.preview,
          h(
            'p',
            { id: 'dr-receipt', 'data-request-id': rec.requestId },
            `Erased ${r.receipt.erasedIds.length}: ${r.receipt.certified ? 'certified deletion' : 'retrained'} in ${r.receipt.ms.toFixed(1)} ms. Request ${r.receipt.requestId}, state ${r.receipt.stateHashAfter.slice(0, 16)}.`,
          ),
          receiptDetails(r.receipt),
        );
        this.onErased(r.receipt);
      },
    });
    replaceChildren(slot, box);
  }

  private askRefuse(rec: RequestView, slot: HTMLElement): void {
    const reason = h('vscode-textfield', { id: 'dr-refuse-reason', placeholder: 'Reason for refusing (required), e.g. legal hold' }) as HTMLInputElement;
    const yes = h('vscode-button', { id: 'dr-confirm-refuse' }, 'Refuse request');
    const no = h('vscode-button', { id: 'dr-refuse-cancel', secondary: true }, 'Cancel');
    const status = h('div', { id: 'dr-refuse-status', class: 'error' });
    const box = h(
      'div',
      { class: 'confirm', role: 'alertdialog' },
      h('p', {}, `Refuse ${rec.requestId}? Nothing is erased; the refusal is recorded in the audit log.`),
      reason,
      h('div', { class: 'toolbar' }, yes, no),
      status,
    );
    no.addEventListener('click', () => box.remove());
    yes.addEventListener('click', async () => {
      const why = (reason.value ?? '').trim();
      if (!why) {
        status.textContent = 'A reason is required.';
        return;
      }
      yes.setAttribute('disabled', '');
      try {
        const r = await request('refuseRequest', { requestId: rec.requestId, reason: why });
        this.upsert(r.record);
        replaceChildren(this.preview, h('p', { id: 'dr-refused', 'data-request-id': rec.requestId }, `Request ${rec.requestId} refused.`));
      } catch (e) {
        status.textContent = `Failed: ${(e as Error).message}`;
        yes.removeAttribute('disabled');
      }
    });
    replaceChildren(slot, box);
  }

  private upsert(r: RequestView): void {
    const i = this.records.findIndex((x) => x.requestId === r.requestId);
    if (i >= 0) this.records[i] = r;
    else this.records.push(r);
    this.render();
  }

  update(requests: RequestView[]): void {
    this.records = [...requests];
    this.render();
  }

  private render(): void {
    const rows = [...this.records].reverse();
    replaceChildren(
      this.list,
      h('tr', {}, ...['Request', 'Status', 'Requester', 'Subject ref', 'Deadline', 'Matched', 'Receipt', ''].map((t) => h('th', {}, t))),
      ...rows.map((r) => {
        const actions = h('td', {});
        if (waiting(r)) {
          const open = h('vscode-button', { secondary: true, class: 'dr-open' }, 'Preview…');
          open.addEventListener('click', async () => {
            try {
              this.showPreview(r, await request('previewRequest', { requestId: r.requestId }));
            } catch (e) {
              this.formStatus.textContent = `Failed: ${(e as Error).message}`;
            }
          });
          actions.append(open);
        }
        const rc = r.receipt;
        return h(
          'tr',
          { 'data-request-id': r.requestId, 'data-status': r.status, 'data-overdue': r.overdue ? 'true' : 'false' },
          h('td', {}, h('code', {}, r.requestId)),
          h('td', {}, STATUS[r.status], r.overdue ? h('strong', { class: 'overdue' }, ' OVERDUE') : null, r.refusedReason ? h('div', { class: 'muted' }, r.refusedReason) : null),
          h('td', {}, r.requester ?? '—'),
          h('td', {}, r.subjectRef ?? '—'),
          h('td', {}, r.deadline.slice(0, 10)),
          h('td', {}, String(r.matchedCount)),
          h(
            'td',
            {},
            rc
              ? `${rc.erasedCount} erased · ${rc.certified ? 'certified' : 'retrained'} · audit #${rc.auditSeq}${rc.verifiedEqual ? ' · verified' : ''} · ${rc.stateHashAfter.slice(0, 12)}`
              : '—',
          ),
          actions,
        );
      }),
    );
    this.list.dataset.count = String(rows.length);
  }
}
