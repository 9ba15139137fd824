import type { Remedy } from '../core';

/** Core names the step that resolves an error; the CLI words it as the command to run. */
export const CLI_REMEDY: Record<Remedy, string> = {
  cluster: 'run `erase cluster`',
  reconcile: 'run `erase reconcile`',
  verify: 'run `erase verify`',
  'audit-verify': 'run `erase audit verify`',
  init: 'run `erase init --data FILE.jsonl`',
};
