/** File names inside the audit folder (e.g. `.erase/audit/`). */
export const LOG_FILE = 'audit.jsonl';
export const CHECKPOINT_FILE = 'checkpoints.jsonl';
/** The signing public key in the clear, so an auditor can check checkpoints without secrets. */
export const PUBLIC_KEY_FILE = 'audit-public-key.pem';
/** Where a repaired torn tail is moved, so nothing is silently discarded. */
export const TORN_TAIL_FILE = 'audit.jsonl.torn';
/** The append frontier: tree head, compact range and file marks, so an append need not read the log (frontier.ts). */
export const FRONTIER_FILE = 'frontier.json';
