import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EraseWorkspace } from '../../src/core/workspace';
import { createOllamaStandIn } from '../fixtures/ollama-stand-in';

// A workspace of 40 examples with three labels; held-out queries copy the text of pool examples.
const LABELS = ['positive', 'negative', 'mixed'];
export function workspace(): { dir: string; ws: EraseWorkspace; records: { id: string; input: string; output: string }[] } {
  const dir = mkdtempSync(join(tmpdir(), 'erase-evaltest-'));
  const records = Array.from({ length: 40 }, (_, i) => ({
    id: `e${i}`,
    input: `review ${i} zz${i}a qq${i}b ${i % 3 ? 'lovely' : 'dreary'} tale`,
    output: i < 36 ? LABELS[i % 2] : 'mixed',
  }));
  writeFileSync(join(dir, 'd.jsonl'), records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const ws = EraseWorkspace.init(join(dir, 'd.jsonl'), { k: 3 });
  return { dir, ws, records };
}

/** The scripted model: the output of the first example in the prompt, or "mixed" (no query's label) without examples. */
export function scriptedStandIn() {
  return createOllamaStandIn({
    models: ['fake-llm:latest'],
    reply: (prompt) => {
      const outputs = [...prompt.matchAll(/\nOutput: (\S+)/g)].map((m) => m[1]);
      return outputs.length ? `The answer is ${outputs[0]}.` : 'I think mixed';
    },
  });
}

/** Runs `fn` against the scripted stand-in, closing it afterwards. */
export async function withScriptedModel(fn: (host: string, server: ReturnType<typeof scriptedStandIn>) => Promise<void>): Promise<void> {
  const server = scriptedStandIn();
  const host = await server.listen();
  try {
    await fn(host, server);
  } finally {
    await server.close();
  }
}
