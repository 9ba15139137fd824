// The in-page confirmation before an erasure (the map's inspector and the deletion requests tab):
// the question, any fields, "Erase N now" and Cancel, and a status line that says "Erasing…" and
// then, in place and as an alert, what failed (the host also shows it as a notification).
import { h } from './dom';

export interface ErasureConfirmOptions {
  /** Element ids, for the UI tests and the labels. */
  readonly ids: { readonly yes: string; readonly no: string; readonly status: string };
  readonly count: number;
  readonly question: string;
  readonly fields?: readonly HTMLElement[];
  /** Runs the erasure; the box stays until the caller removes it. */
  readonly run: () => Promise<void>;
}

export function erasureConfirmBox(o: ErasureConfirmOptions): HTMLElement {
  const yes = h('vscode-button', { id: o.ids.yes }, `Erase ${o.count} now`);
  const no = h('vscode-button', { secondary: true, id: o.ids.no }, 'Cancel');
  const status = h('div', { class: 'muted', id: o.ids.status });
  const box = h('div', { class: 'confirm', role: 'alertdialog' }, h('p', {}, o.question), ...(o.fields ?? []), h('div', { class: 'toolbar' }, yes, no), status);
  no.addEventListener('click', () => box.remove());
  yes.addEventListener('click', async () => {
    yes.setAttribute('disabled', '');
    status.className = 'muted';
    status.removeAttribute('role');
    status.textContent = 'Erasing…';
    try {
      await o.run();
      status.textContent = '';
    } catch (e) {
      status.className = 'error';
      status.setAttribute('role', 'alert');
      status.textContent = `Erasure failed: ${(e as Error).message}`;
      yes.removeAttribute('disabled');
    }
  });
  return box;
}
