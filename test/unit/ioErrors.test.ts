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

test('an error that names no file is placed in the folder the command was writing; a temporary sibling stands for its file', () => {
  assert.equal(
    ioUserError(errno('ENOSPC', 'write'), '/w/.erase')!.message,
    'cannot write a file in /w/.erase: no space left on the device; free some space and run the command again',
  );
  assert.match(ioUserError(errno('ENOSPC', 'write', '/w/d.jsonl'), '/w/.erase')!.message, /^cannot write \/w\/d\.jsonl:/);
  assert.match(ioUserError(errno('EROFS', 'open', '/w/.erase/.state.json.4242.tmp'))!.message, /^cannot open \/w\/\.erase\/state\.json: the file system is read-only/);
  assert.match(
    ioUserError(errno('EROFS', 'open', '/w/.erase/.meta.json.4242.0123456789abcdef.tmp'))!.message,
    /^cannot open \/w\/\.erase\/meta\.json: the file system is read-only/,
  );
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
  // The temporary sibling of an atomic write is reported as the file itself.
  assert.throws(
    () =>
      namingFile(join(dir, 'out.jsonl'), () => {
        throw errno('EROFS', 'open', join(dir, '.out.jsonl.123.tmp'));
      }),
    (e: unknown) => ioUserError(e)!.message.startsWith(`cannot open ${join(dir, 'out.jsonl')}: the file system is read-only`),
  );
  // A path the error already has is kept.
  assert.throws(
    () => namingFile('/elsewhere', () => writeFileSync(join(dir, 'no', 'such', 'x'), 'x')),
    (e: unknown) => (e as NodeJS.ErrnoException).path === join(dir, 'no', 'such', 'x'),
  );
});
