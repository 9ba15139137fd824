/**
 * Keys of the audit log: a secret HMAC key for commitments and an Ed25519 key pair for
 * checkpoints. The interface lets the extension keep them in VS Code SecretStorage; the CLI
 * uses FileKeyStore (files readable by the owner only).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { fsyncDir } from '../storage/atomicWrite';
import { UserError } from '../errors';

export interface SigningKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

export interface KeyStore {
  getOrCreateHmacKey(): Promise<Uint8Array>;
  /** The key this store signs with. If the log does not trust it yet, appendEntry adds it by a key entry. */
  getOrCreateSigningKey(): Promise<SigningKeyPair>;
  /**
   * Other signing keys this store can also use (e.g. the CLI's key files beside the extension's
   * own key, or a key it replaced). One the log already trusts countersigns the new key (key-add)
   * instead of a key-reset. Optional: a store without it can only reset.
   */
  otherSigningKeys?(): Promise<SigningKeyPair[]>;
}

export const HMAC_KEY_FILE = 'audit-hmac.key';
export const SIGNING_KEY_FILE = 'audit-signing-key.pem';
export const SIGNING_PUBLIC_FILE = 'audit-signing-key.pub.pem';
const HMAC_KEY_BYTES = 32;

export function generateSigningKeyPair(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/**
 * Creates `path` with `data` only if it does not exist yet, never exposing a partial file:
 * write a private temporary file, then link it into place (link fails if the target exists,
 * so two processes racing to create a key end up sharing the first one).
 */
function createExclusive(path: string, data: Uint8Array): boolean {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

/** Stores keys as files in one folder (e.g. `.erase/keys/`): folder 0700, files 0600. */
export class FileKeyStore implements KeyStore {
  /** `warn` receives one line per key file or folder that others can read. */
  constructor(
    readonly dir: string,
    private readonly warn: (message: string) => void = () => {},
  ) {}

  async getOrCreateHmacKey(): Promise<Uint8Array> {
    const path = this.ensure(HMAC_KEY_FILE, () => Buffer.from(randomBytes(HMAC_KEY_BYTES).toString('hex') + '\n', 'utf8'));
    const text = readFileSync(path, 'utf8').trim();
    if (!/^[0-9a-f]{64,}$/.test(text))
      throw new UserError(`the audit HMAC key file ${path} is damaged; restore it from a backup (without it, old commitments cannot be checked)`, 'check');
    return Buffer.from(text, 'hex');
  }

  async getOrCreateSigningKey(): Promise<SigningKeyPair> {
    const privPath = join(this.dir, SIGNING_KEY_FILE);
    const pubPath = join(this.dir, SIGNING_PUBLIC_FILE);
    if (!existsSync(privPath)) {
      const pair = generateSigningKeyPair();
      this.ensureDir();
      // Whoever links the private key first wins; the .pub file is a convenience copy.
      if (createExclusive(privPath, Buffer.from(pair.privateKeyPem, 'utf8'))) {
        createExclusiveOrReplace(pubPath, pair.publicKeyPem);
        fsyncDir(this.dir);
      }
    }
    this.checkPerms(privPath);
    const privateKeyPem = readFileSync(privPath, 'utf8');
    let publicKeyPem: string;
    try {
      publicKeyPem = derivePublicPem(privateKeyPem);
    } catch {
      throw new UserError(`the audit signing key ${privPath} is damaged; restore it from a backup`, 'check');
    }
    return { privateKeyPem, publicKeyPem };
  }

  private ensureDir(): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.checkPerms(this.dir);
  }

  private ensure(name: string, make: () => Uint8Array): string {
    const path = join(this.dir, name);
    if (!existsSync(path)) {
      this.ensureDir();
      if (createExclusive(path, make())) fsyncDir(this.dir);
    }
    this.checkPerms(path);
    return path;
  }

  /** Warns (does not fail) when group or others have any access; POSIX only. */
  private checkPerms(path: string): void {
    if (process.platform === 'win32') return;
    const mode = statSync(path).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      this.warn(`${path} is accessible by other users (mode ${mode.toString(8)}); run: chmod ${statSync(path).isDirectory() ? '700' : '600'} '${path}'`);
    }
  }
}

function createExclusiveOrReplace(path: string, text: string): void {
  if (existsSync(path)) unlinkSync(path);
  createExclusive(path, Buffer.from(text, 'utf8'));
  chmodSync(path, 0o644); // the public key is not secret
}

/** Re-derived from the private key rather than read from the .pub file, which is only a copy. */
export function derivePublicPem(privateKeyPem: string): string {
  return createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();
}

/** An in-memory KeyStore for tests and for callers that manage keys themselves. */
export class MemoryKeyStore implements KeyStore {
  constructor(
    private readonly hmacKey: Uint8Array = randomBytes(HMAC_KEY_BYTES),
    private readonly pair: SigningKeyPair = generateSigningKeyPair(),
    private readonly others: readonly SigningKeyPair[] = [],
  ) {}
  async otherSigningKeys(): Promise<SigningKeyPair[]> {
    return [...this.others];
  }
  async getOrCreateHmacKey(): Promise<Uint8Array> {
    return this.hmacKey;
  }
  async getOrCreateSigningKey(): Promise<SigningKeyPair> {
    return this.pair;
  }
}
