import { throwIfAborted } from '../errors';

/** Embeds texts one by one with a synchronous embedder, checking for cancel every 256 texts. */
export function embedEach(texts: readonly string[], embedText: (text: string) => Float64Array, signal?: AbortSignal): Float64Array[] {
  throwIfAborted(signal);
  const out: Float64Array[] = new Array(texts.length);
  for (let i = 0; i < texts.length; i++) {
    if ((i & 255) === 255) throwIfAborted(signal);
    out[i] = embedText(texts[i]);
  }
  return out;
}
