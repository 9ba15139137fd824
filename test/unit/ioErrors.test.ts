import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ioUserError, namingFile } from '../../src/core/ioErrors';
import { UserError } from '../../src/core/errors';

const errno = (code: string, syscall: string, path?: string, dest?: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: something, ${syscall}`), { code, syscall, ...(path ? { path } : {}), ...(dest ? { dest } : {}) });

test('every explained errno code becomes one line naming the file and a remedy, exit 1 (code unavailable)', () => {
  const cases: [NodeJS.ErrnoException, RegExp][] = [
    [errno('ENOSPC', 'write', '/w/.erase/state.json'), /^cannot write \/w\/\.erase\/state\.json: no space left on the device; free some space/],
    [errno('EDQUOT', 'write', '/w/d.jsonl'), /^cannot write \/w\/d\.jsonl: the disk quota is exceeded; /],
    [errno('EACCES', 'open', '/w/d.jsonl'), /^cannot open \/w\/d\.jsonl: permission denied; check the permissions/],
    [errno('EPERM', 'rename', '/w/.d.jsonl.1.tmp', '/w/d.jsonl'), /^cannot replace \/w\/d\.jsonl: operation not permitted; /],
    [errno('EROFS', 'open', '/ro/out.jsonl'), /^cannot open \/ro\/out\.jsonl: the file system is read-only; use a writable location/],
    [errno('ENOTDIR', 'open', '/w/f/x'), /^cannot open \/w\/f\/x: a part of the path is a file, not a folder; check the path/],
    [errno('EISDIR', 'read', '/w/dir'), /^cannot read \/w\/dir: it is a folder, not a file; /],
    [errno('EEXIST', 'mkdir', '/w/f'), /^cannot create the folder \/w\/f: a file of that name is in the way of a folder/],
    [errno('EMFILE', 'open', '/w/a'), /too many open files/],
    [errno('EIO', 'fsync'), /^cannot write a file: an input\/output error/],
  ];
  for (const [e, want] of cases) {
    const u = ioUserError(e);
    assert.ok(u instanceof UserError, e.code);
    assert.equal(u.code, 'unavailable');
    assert.match(u.message, want);
    assert.equal(u.message.split('\n').length, 1);
  }
});

test('errors that are not file-system errors are left alone', () => {
  assert.equal(ioUserError(new Error('boom')), undefined);
  assert.equal(ioUserError(errno('EEXIST', 'open', '/w/lock')), undefined, 'EEXIST outside mkdir is the caller’s business (locks)');
  assert.equal(ioUserError(errno('ECONNREFUSED', 'connect')), undefined);
  assert.equal(ioUserError('ENOSPC'), undefined);
  assert.equal(ioUserError(new UserError('x')), undefined);
});

test('namingFile gives a path to errors from calls on a descriptor (a real ENOSPC from /dev/full and EISDIR from a read)', () => {
  assert.throws(
    () => namingFile('/dev/full', () => writeFileSync('/dev/full', 'x')),
    (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOSPC' && ioUserError(e)!.message.startsWith('cannot write /dev/full: no space left'),
  );
  const dir = mkdtempSync(join(tmpdir(), 'erase-io-'));
  assert.throws(
    () => namingFile(dir, () => readFileSync(dir)),
    (e: unknown) => ioUserError(e)!.message === `cannot read ${dir}: it is a folder, not a file; give the path of a file`,
  );
  // A path the error already has is kept.
  assert.throws(
    () => namingFile('/elsewhere', () => writeFileSync(join(dir, 'no', 'such', 'x'), 'x')),
    (e: unknown) => (e as NodeJS.ErrnoException).path === join(dir, 'no', 'such', 'x'),
  );
});
