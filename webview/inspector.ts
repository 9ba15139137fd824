// Example inspector: the selected examples (text as textContent), reveal, and erase with an
// in-page confirmation (requester + reason go into the audit log, the text does not).
import { MAX_ERASE_IDS, type ReceiptView } from '../src/shared/protocol';
import { byId, h, replaceChildren } from './dom';
import { command, request } from './rpc';
import { example } from './tooltip';
import { provenanceSection, receiptDetails } from './provenance';
import { erasureConfirmBox } from './erasureConfirm';

export class Inspector {
  private ids: string[] = [];
  /** The last erasure's receipt details, shown above the (re-rendered) selection until the next erasure. */
  private lastReceipt: HTMLElement | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly onErased: (r: ReceiptView) => void,
    private readonly onExport?: (ids: string[]) => void,
    private readonly onRequest?: () => void,
  ) {}

  async show(ids: string[]): Promise<void> {
    this.ids = ids;
    this.root.dataset.count = String(ids.length);
    if (!ids.length) {
      replaceChildren(this.root, this.lastReceipt, h('p', { class: 'muted' }, 'Hover a point to read it; click to select; shift+drag to lasso.'));
      return;
    }
    const list = h('ul', { class: 'inspector-list' });
    for (const id of ids.slice(0, MAX_ERASE_IDS)) {
      const li = h('li', { 'data-id': id }, h('span', { class: 'muted' }, id));
      list.append(li);
      void example(id).then(
        (d) => {
          replaceChildren(
            li,
            h('div', { class: 'ex-input' }, d.input),
            h('div', { class: 'ex-output' }, `→ ${d.output}`),
            h(
              'div',
              { class: 'muted' },
              `${d.id} · cluster ${d.cluster} · line ${d.lines.join(', ')}${d.multiplicity > 1 ? ` · ×${d.multiplicity}` : ''}${d.isRepresentative ? ' · ★ in the prompt' : ''}`,
            ),
          );
        },
        () => undefined,
      );
    }
    const reveal = h('vscode-button', { secondary: true, id: 'inspector-reveal' }, 'Reveal in file');
    reveal.addEventListener('click', () => command('revealExample', { id: this.ids[0] }));
    // The whole selection (not only the listed part) is exported: core copies the lines, nothing is erased.
    const exportBtn = h('vscode-button', { secondary: true, id: 'inspector-export' }, `Export ${ids.length}…`);
    exportBtn.addEventListener('click', () => this.onExport?.([...this.ids]));
    // Any number of examples: a deletion request records who asked and previews them before Run.
    const requestBtn = h('vscode-button', { secondary: true, id: 'inspector-request' }, 'Deletion request…');
    requestBtn.addEventListener('click', () => this.onRequest?.());
    // Only what is listed can be erased from here: the host refuses more ids than the list shows.
    const tooMany = ids.length > MAX_ERASE_IDS;
    const erase = h('vscode-button', { id: 'inspector-erase', disabled: tooMany }, `Erase ${ids.length} example${ids.length > 1 ? 's' : ''}…`);
    if (!tooMany) erase.addEventListener('click', () => this.confirm());
    replaceChildren(
      this.root,
      h('div', { class: 'toolbar' }, erase, reveal, this.onExport ? exportBtn : null, this.onRequest ? requestBtn : null),
      tooMany
        ? h('p', { class: 'muted' }, `showing ${MAX_ERASE_IDS} of ${ids.length}; select at most ${MAX_ERASE_IDS} to erase them here, or record a deletion request for more`)
        : null,
      list,
      h('div', { id: 'confirm-slot' }),
      ids.length === 1 ? provenanceSection(ids[0]) : h('p', { class: 'muted' }, 'Select one example to see the completions that used it.'),
      this.lastReceipt,
    );
  }

  private confirm(): void {
    const requester = h('vscode-textfield', { id: 'confirm-requester', placeholder: 'Requester (optional)' }) as HTMLInputElement;
    const reason = h('vscode-textfield', { id: 'confirm-reason', placeholder: 'Reason (optional)' }) as HTMLInputElement;
    const box = erasureConfirmBox({
      ids: { yes: 'confirm-erase', no: 'confirm-cancel', status: 'confirm-status' },
      count: this.ids.length,
      question: `Erase ${this.ids.length} example(s)? Their lines are removed from the data file and the prompt is updated. This cannot be undone.`,
      fields: [requester, reason],
      run: async () => {
        const r = await request('erase', { ids: [...this.ids], requester: requester.value || undefined, reason: reason.value || undefined });
        box.remove();
        this.lastReceipt = receiptDetails(r);
        this.onErased(r);
      },
    });
    replaceChildren(byId('confirm-slot'), box);
  }
}
