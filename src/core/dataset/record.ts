/**
 * Validation of one parsed JSONL value into the fields of an example. Messages name the field
 * that is wrong and never its value: the value may be text that is later erased.
 */

export interface RecordFields {
  /** The explicit id, as a string, when the record has one. */
  readonly id?: string;
  readonly input: string;
  readonly output: string;
  readonly label?: string;
  readonly meta?: unknown;
}

export type RecordCheck = { readonly ok: true; readonly fields: RecordFields } | { readonly ok: false; readonly message: string };

const bad = (message: string): RecordCheck => ({ ok: false, message });

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** null counts as absent for the optional fields, as many exporters write null for "none". */
function present(obj: Record<string, unknown>, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key) && obj[key] !== null && obj[key] !== undefined;
}

function readId(v: unknown): string | undefined | Error {
  if (typeof v === 'string' && v.length > 0) return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return String(v);
  return new Error('id must be a non-empty string or an integer');
}

function readLabel(v: unknown): string | Error {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return new Error('label must be a string or a number');
}

/** input/output from the chat shape: user and system turns before the last assistant turn. */
function readMessages(v: unknown): { input: string; output?: string } | Error {
  if (!Array.isArray(v) || v.length === 0) return new Error('messages must be a non-empty array');
  let lastAssistant = -1;
  for (let i = 0; i < v.length; i++) {
    const m: unknown = v[i];
    if (!isPlainObject(m) || typeof m.role !== 'string' || typeof m.content !== 'string') {
      return new Error(`messages[${i}] must be an object with string role and content`);
    }
    if (m.role === 'assistant') lastAssistant = i;
  }
  const end = lastAssistant < 0 ? v.length : lastAssistant;
  const turns = (v as { role: string; content: string }[]).slice(0, end).filter((m) => m.role === 'user' || m.role === 'system');
  const input = turns.map((m) => m.content).join('\n');
  return lastAssistant < 0 ? { input } : { input, output: (v[lastAssistant] as { content: string }).content };
}

export function readRecord(value: unknown): RecordCheck {
  if (!isPlainObject(value)) return bad('a record must be a JSON object');
  const shapes = (['input', 'prompt', 'messages'] as const).filter((k) => Object.prototype.hasOwnProperty.call(value, k));
  if (shapes.length === 0) return bad('missing input: a record needs input, prompt or messages');
  if (shapes.length > 1) return bad(`a record must use one of input, prompt or messages, not ${shapes.join(' and ')}`);

  let id: string | undefined;
  if (present(value, 'id')) {
    const r = readId(value.id);
    if (r instanceof Error) return bad(r.message);
    id = r;
  }
  let label: string | undefined;
  if (present(value, 'label')) {
    const r = readLabel(value.label);
    if (r instanceof Error) return bad(r.message);
    label = r;
  }

  let input: string;
  let output: string | undefined;
  const shape = shapes[0];
  if (shape === 'messages') {
    const r = readMessages(value.messages);
    if (r instanceof Error) return bad(r.message);
    input = r.input;
    output = r.output;
    if (input.trim() === '') return bad('messages have no non-empty user or system turn before the answer');
  } else {
    const outKey = shape === 'input' ? 'output' : 'completion';
    const raw = value[shape];
    if (typeof raw !== 'string') return bad(`${shape} must be a string`);
    if (raw.trim() === '') return bad(`${shape} is empty`);
    input = raw;
    if (present(value, outKey)) {
      if (typeof value[outKey] !== 'string') return bad(`${outKey} must be a string`);
      output = value[outKey] as string;
    }
  }

  const fields: RecordFields = {
    ...(id !== undefined ? { id } : {}),
    input,
    // Without an answer a label still gives the few-shot prompt something to show.
    output: output ?? label ?? '',
    ...(label !== undefined ? { label } : {}),
    ...(Object.prototype.hasOwnProperty.call(value, 'meta') ? { meta: value.meta } : {}),
  };
  return { ok: true, fields };
}
