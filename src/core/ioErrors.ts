/**
 * File-system errors (a full disk, a read-only mount, a permission, a path through a file) as one
 * line that names the file and says what to do, instead of an "internal error" with a stack.
 * Nothing is half-written meanwhile: state and data files go through writeFileAtomic (temporary
 * file + rename), so a failed write leaves the previous version in place.
 */
import { basename, dirname, join } from 'node:path';
import { UserError } from './errors';

interface Explanation {
  readonly problem: string;
  readonly remedy: string;
}

const EXPLAIN: Record<string, Explanation> = {
  ENOSPC: { problem: 'no space left on the device', remedy: 'free some space and run the command again' },
  EDQUOT: { problem: 'the disk quota is exceeded', remedy: 'free some space or raise the quota and run the command again' },
  EFBIG: { problem: 'the file is too large for the file system or the process limit', remedy: 'write it to another file system or raise the limit' },
  EACCES: { problem: 'permission denied', remedy: 'check the permissions of the file and of its folder, or run as a user who may use them' },
  EPERM: { problem: 'operation not permitted', remedy: 'check the permissions and attributes (e.g. immutable) of the file and its folder' },
  EROFS: { problem: 'the file system is read-only', remedy: 'use a writable location or remount it read-write' },
  ENOTDIR: { problem: 'a part of the path is a file, not a folder', remedy: 'check the path' },
  EISDIR: { problem: 'it is a folder, not a file', remedy: 'give the path of a file' },
  ENOENT: { problem: 'no such file or folder', remedy: 'check the path' },
  ENAMETOOLONG: { problem: 'the path is too long', remedy: 'use a shorter path' },
  ELOOP: { problem: 'too many levels of symbolic links', remedy: 'check the links along the path' },
  EMFILE: { problem: 'too many open files', remedy: 'close other programs or raise the open-file limit, then run the command again' },
  ENFILE: { problem: 'too many open files on the system', remedy: 'close other programs, then run the command again' },
  EBUSY: { problem: 'the file is busy', remedy: 'close the program using it and run the command again' },
  ETXTBSY: { problem: 'the file is busy', remedy: 'close the program using it and run the command again' },
  EIO: { problem: 'an input/output error from the device', remedy: 'check the disk and run the command again' },
  EXDEV: { problem: 'the file cannot be moved across file systems', remedy: 'keep the file and its folder on one file system' },
};

const VERB: Record<string, string> = {
  open: 'open',
  read: 'read',
  write: 'write',
  rename: 'replace',
  mkdir: 'create the folder',
  unlink: 'remove',
  fsync: 'write',
  ftruncate: 'write',
  stat: 'read',
  lstat: 'read',
  scandir: 'list',
  chmod: 'set the permissions of',
  link: 'create',
  copyfile: 'copy',
  realpath: 'find',
};

/** mkdir -p meets a file where a folder should be: Node says EEXIST. */
const MKDIR_THROUGH_FILE: Explanation = { problem: 'a file of that name is in the way of a folder', remedy: 'check the path' };

function explain(e: NodeJS.ErrnoException): Explanation | undefined {
  if (e.code === 'EEXIST' && e.syscall === 'mkdir') return MKDIR_THROUGH_FILE;
  return e.code !== undefined && Object.prototype.hasOwnProperty.call(EXPLAIN, e.code) ? EXPLAIN[e.code] : undefined;
}

/** True for an error from the operating system that carries an errno code we can explain. */
export function isIoError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && explain(e as NodeJS.ErrnoException) !== undefined;
}

/**
 * The one-line UserError for a file-system error, or undefined when `e` is not one. Exit 1 (code
 * 'unavailable'): the input was fine, the machine could not do the work. `folder` is named when
 * the error names no file (a write on a descriptor): where the command was writing.
 */
export function ioUserError(e: unknown, folder?: string): UserError | undefined {
  if (!isIoError(e)) return undefined;
  const { problem, remedy } = explain(e)!;
  const verb = (e.syscall && VERB[e.syscall]) ?? 'use';
  // A rename names its source (a temporary file) and its destination: the destination is the user's file.
  const dest = (e as { dest?: unknown }).dest;
  const path = e.syscall === 'rename' && typeof dest === 'string' ? dest : e.path;
  const what = path ? `cannot ${verb} ${userPath(path)}` : folder ? `cannot ${verb} a file in ${folder}` : `cannot ${verb} a file`;
  return new UserError(`${what}: ${problem}; ${remedy}`, 'unavailable');
}

/**
 * Runs `f`, giving an error from a call that does not name its file (write and read on a file
 * descriptor) the path it was working on, so the message can name it.
 */
export function namingFile<T>(path: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isIoError(e) && e.path === undefined) e.path = path;
    throw e;
  }
}

/** The file a user knows: the hidden temporary sibling of an atomic write (`.name.PID[.16 hex].tmp`) stands for `name`. */
function userPath(path: string): string {
  const m = /^\.(.+?)\.\d+(?:\.[0-9a-f]{16})?\.tmp$/.exec(basename(path));
  return m ? join(dirname(path), m[1]) : path;
}
