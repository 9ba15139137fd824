// Completion provenance in the editor: the playground records each answer it streamed (core's
// recordCompletion, with this host's clock), and the inspector lists the completions that used an
// example. Recording failures are logged, never shown over the answer the user is reading.
import { completionsUsing, recordCompletion, type CompletionRecord } from '../core';
import type { CompletionView } from '../shared/protocol';
import type { EraseService } from './eraseService';
import { log } from './log';

/** Records a playground answer; resolves when it is stored (or failed, which is logged). */
export async function recordPlaygroundCompletion(service: EraseService, model: string, ids: readonly string[], answer: string): Promise<void> {
  try {
    await service.run((ws) => recordCompletion(ws, { time: new Date().toISOString(), source: 'playground', model, ids, answer }), false);
  } catch (e) {
    log.warn(`could not record the completion's provenance: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function completionView(r: CompletionRecord): CompletionView {
  return {
    id: r.id,
    time: r.time,
    source: r.source,
    model: r.model,
    template: r.template,
    exampleCount: r.ids.length,
    ...(r.answer !== undefined ? { answer: r.answer } : {}),
    ...(r.answerHmac !== undefined ? { answerHmac: r.answerHmac } : {}),
    flagged: (r.flagged?.length ?? 0) > 0,
  };
}

export async function completionsView(service: EraseService, id: string): Promise<{ completions: CompletionView[] }> {
  const listing = await service.run((ws) => completionsUsing(ws, id), false);
  return { completions: listing.completions.map(completionView) };
}
