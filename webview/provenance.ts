// Provenance in the workbench: the completions that used the selected example (inspector), and
// what an erasure changed in the prompt (receipt). Text goes in as textContent only; the text of a
// representative that left is never asked for (it is erased), that of its replacement is.
import type { CompletionView, ReceiptView } from '../src/shared/protocol';
import { h, replaceChildren } from './dom';
import { request } from './rpc';
import { example } from './tooltip';

function completionItem(c: CompletionView): HTMLElement {
  const answer = c.answer !== undefined ? c.answer : `answer kept as a keyed hash ${c.answerHmac?.slice(0, 16) ?? ''}…`;
  return h(
    'li',
    { 'data-completion': c.id },
    h('div', { class: c.answer !== undefined ? 'ex-output' : 'muted' }, answer),
    h('div', { class: 'muted' }, `${c.time} · ${c.source} · ${c.model} · ${c.exampleCount} example(s) · template ${c.template}${c.flagged ? ' · flagged for review' : ''}`),
  );
}

/** The inspector's section for one example: the recorded completions whose prompt held it. */
export function provenanceSection(id: string): HTMLElement {
  const section = h(
    'section',
    { id: 'inspector-provenance', class: 'provenance', 'data-id': id },
    h('h4', {}, 'Completions that used this example'),
    h('p', { class: 'muted' }, 'Loading…'),
  );
  void request('completionsUsing', { id }).then(
    ({ completions }) => {
      replaceChildren(
        section,
        h('h4', {}, `Completions that used this example (${completions.length})`),
        completions.length
          ? h('ul', { class: 'inspector-list' }, ...completions.map(completionItem))
          : h('p', { class: 'muted' }, 'None recorded: no answer of the playground, erase complete or erase eval had this example in its prompt.'),
      );
    },
    (e: Error) => replaceChildren(section, h('p', { class: 'error' }, `Provenance could not be read: ${e.message}`)),
  );
  return section;
}

/** What an erasure did to the prompt and to the recorded completions (ids, counts, and the replacements' text). */
export function receiptDetails(r: ReceiptView): HTMLElement {
  const box = h('div', { id: 'receipt-details', class: 'receipt', 'data-request-id': r.requestId });
  if (r.provenance && r.provenance.completions > 0) {
    box.append(
      h(
        'p',
        { id: 'receipt-provenance' },
        `${r.provenance.completions} recorded completion(s) that used an erased example ${r.provenance.mode === 'erase' ? 'were erased' : 'are flagged for review'}.`,
      ),
    );
  }
  if (r.promptChanges.length > 0) {
    const list = h('ul', { class: 'inspector-list', id: 'receipt-prompt-changes' });
    for (const c of r.promptChanges) {
      const replacement = h('div', { class: 'ex-input' });
      list.append(
        h(
          'li',
          { 'data-cluster': String(c.cluster) },
          h('div', {}, c.left ? `Cluster ${c.cluster}: ${c.left} left the prompt (its text is erased)` : `Cluster ${c.cluster}: a new representative`),
          h('div', { class: 'muted' }, c.replacedBy ? `replaced by ${c.replacedBy}:` : 'no replacement: the cluster is empty now'),
          replacement,
        ),
      );
      if (c.replacedBy)
        void example(c.replacedBy).then(
          (d) => (replacement.textContent = `${d.input} → ${d.output}`),
          () => undefined,
        );
    }
    box.append(h('p', {}, 'What changed in the prompt:'), list);
  }
  return box;
}
