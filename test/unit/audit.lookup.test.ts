import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { appendEntry, AUDIT_ACTIONS, LOG_FILE, readLog } from '../../src/core/audit/index';
import { entriesOfRequest } from '../../src/core/audit/lookup';
import { buildLog, entryInput, tempDir } from './audit.helpers';

const dirs: string[] = [];
test.after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

test("a request's entries found by a byte search equal those a full parse finds (prefix ids, ids quoted in notes, a torn tail)", async () => {
  const dir = tempDir('lookup');
  dirs.push(dir);
  const { keyStore, head } = await buildLog(dir, 30);
  // An id that is a prefix of another, and an entry whose subject reference and notes name another request's id.
  await appendEntry(dir, { ...entryInput(31), requestId: 'REQ-1', subjectRef: 'REQ-0003', notes: 'see "REQ-0003" and REQ-000' }, { keyStore, expectedHead: head });
  const all = (await readLog(dir)).entries;
  for (const id of ['REQ-0003', 'REQ-0000', 'REQ-1', 'REQ-000', 'REQ-0014', 'nope']) {
    for (const actions of [AUDIT_ACTIONS, ['erase'] as const, ['verify', 'refuse'] as const]) {
      assert.deepEqual(
        entriesOfRequest(dir, id, actions),
        all.filter((e) => e.requestId === id && (actions as readonly string[]).includes(e.action)),
        `${id} ${actions.join(',')}`,
      );
    }
  }
  appendFileSync(join(dir, LOG_FILE), '{"action":"erase","requestId":"REQ-torn"');
  assert.deepEqual(entriesOfRequest(dir, 'REQ-torn', AUDIT_ACTIONS), [], 'a torn last line is no entry');
  const empty = tempDir('lookup-empty');
  dirs.push(empty);
  assert.deepEqual(entriesOfRequest(empty, 'REQ-0003', AUDIT_ACTIONS), [], 'no log, no entry');
});
