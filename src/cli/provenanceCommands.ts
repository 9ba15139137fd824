import { completionsUsing, flaggedCompletions, resolveCompletion, UserError, type CompletionRecord } from '../core';
import { parse } from './args';
import type { Command } from './commands';
import { openWorkspace } from './openWorkspace';
import { EXIT_OK } from './output';

function line(r: CompletionRecord): string {
  const answer = r.answer !== undefined ? JSON.stringify(r.answer.length > 80 ? `${r.answer.slice(0, 80)}…` : r.answer) : `answer hmac ${r.answerHmac!.slice(0, 16)}…`;
  const flags = r.flagged?.length ? `  FLAGGED by ${r.flagged.map((f) => f.requestId).join(', ')}` : '';
  return `${r.id}  ${r.time}  ${r.source}  ${r.model}  template ${r.template}  ${r.ids.length} example(s)  ${answer}${flags}`;
}

/**
 * `erase provenance --id X`: the recorded completions whose prompt held example X;
 * `--flagged`: those an erasure flagged for review; `--erase CMP` / `--keep CMP`: the review's decision.
 */
export const provenanceCommand: Command = async (argv, mk) => {
  const { values } = parse(argv, { data: { type: 'string' }, id: { type: 'string' }, flagged: { type: 'boolean' }, erase: { type: 'string' }, keep: { type: 'string' } });
  const out = mk(!!values.json);
  const ways = [values.id !== undefined, !!values.flagged, values.erase !== undefined, values.keep !== undefined].filter(Boolean).length;
  if (ways !== 1) throw new UserError('say what to show with exactly one of --id EXAMPLE_ID, --flagged, --erase COMPLETION_ID or --keep COMPLETION_ID', 'usage');
  const ws = await openWorkspace(values.data, out);
  if (values.erase !== undefined || values.keep !== undefined) {
    const decision = values.erase !== undefined ? 'erase' : 'keep';
    const r = await resolveCompletion(ws, (values.erase ?? values.keep)!, decision);
    out.result({ completion: r.id, decision }, decision === 'erase' ? `recorded completion ${r.id} erased` : `recorded completion ${r.id} kept; its flags are cleared`);
    return EXIT_OK;
  }
  const listing = values.flagged ? flaggedCompletions(ws) : completionsUsing(ws, values.id!);
  const what = values.flagged ? 'flagged for review' : `used example ${values.id}`;
  const human = [
    listing.completions.length === 0 ? `no recorded completion ${what}` : `${listing.completions.length} recorded completion(s) ${what}:`,
    ...listing.completions.map(line),
    ...(listing.unreadable > 0 ? [`(${listing.unreadable} unreadable line(s) in .erase/provenance.jsonl were skipped)`] : []),
  ].join('\n');
  out.result({ completions: listing.completions, unreadable: listing.unreadable }, human);
  return EXIT_OK;
};
