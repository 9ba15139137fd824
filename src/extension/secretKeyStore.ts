// Audit keys in VS Code SecretStorage (the OS keychain where there is one) instead of files.
// One secret per workspace, named after a hash of the workspace's root path. Compatibility with
// the CLI, which keeps 0600 files in .erase/keys/: key files that exist are adopted (they win, so
// both tools keep signing with the same keys); the extension itself never creates key files,
// except through the explicit "Export audit keys for the CLI" command.
// Keys never block an erasure: with empty SecretStorage and no key files (a new browser profile,
// machine or colleague) new keys are made and the audit log adds them by a key entry. A key that
// adopting replaces is kept (not deleted): it still countersigns (key-add) and checks old commitments.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { HMAC_KEY_FILE, SIGNING_KEY_FILE, SIGNING_PUBLIC_FILE, derivePublicPem, generateSigningKeyPair, type KeyStore, type SigningKeyPair } from '../core';

interface StoredKeys {
  format: 'erase-audit-keys/1';
  hmacKeyHex?: string;
  privateKeyPem?: string;
  /** Keys replaced by adopted key files, newest last (optional fields: older versions ignore them). */
  previousHmacKeyHexes?: string[];
  previousPrivateKeyPems?: string[];
}

const HMAC_HEX = /^[0-9a-f]{64,}$/;
const keep = (list: string[] | undefined, old: string | undefined): string[] | undefined => (old === undefined || list?.includes(old) ? list : [...(list ?? []), old]);

/** The secret name for a workspace: stable for a path, reveals nothing about it. */
export function secretNameFor(workspaceRoot: string): string {
  return `erase.auditKeys.${createHash('sha256').update(path.resolve(workspaceRoot)).digest('hex').slice(0, 32)}`;
}

export class SecretStorageKeyStore implements KeyStore {
  readonly secretName: string;
  /** Serialises reads and writes of the one secret (hmac and signing key are created separately). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly secrets: vscode.SecretStorage,
    workspaceRoot: string,
    /** `.erase/keys/` of that workspace: read (adopted) when files exist, never written here. */
    readonly keysDir: string,
    private readonly info: (message: string) => void = () => {},
  ) {
    this.secretName = secretNameFor(workspaceRoot);
  }

  getOrCreateHmacKey(): Promise<Uint8Array> {
    return this.locked(async () => {
      const stored = await this.read();
      const fromFile = this.fileHmacHex();
      if (fromFile && fromFile !== stored.hmacKeyHex) {
        await this.write({ ...stored, hmacKeyHex: fromFile, previousHmacKeyHexes: keep(stored.previousHmacKeyHexes, stored.hmacKeyHex) });
        this.info(`adopted the audit HMAC key from ${path.join(this.keysDir, HMAC_KEY_FILE)} into SecretStorage`);
        return Buffer.from(fromFile, 'hex');
      }
      if (stored.hmacKeyHex) return Buffer.from(stored.hmacKeyHex, 'hex');
      const hex = randomBytes(32).toString('hex');
      await this.write({ ...stored, hmacKeyHex: hex });
      this.info('created a new audit HMAC key in SecretStorage');
      return Buffer.from(hex, 'hex');
    });
  }

  getOrCreateSigningKey(): Promise<SigningKeyPair> {
    return this.locked(async () => {
      const stored = await this.read();
      const fromFile = this.fileSigningPem();
      let pem = stored.privateKeyPem;
      if (fromFile && fromFile !== pem) {
        pem = fromFile;
        await this.write({ ...stored, privateKeyPem: pem, previousPrivateKeyPems: keep(stored.previousPrivateKeyPems, stored.privateKeyPem) });
        this.info(`adopted the audit signing key from ${path.join(this.keysDir, SIGNING_KEY_FILE)} into SecretStorage`);
      } else if (!pem) {
        pem = generateSigningKeyPair().privateKeyPem;
        await this.write({ ...stored, privateKeyPem: pem });
        this.info('created a new audit signing key in SecretStorage; the audit log will add it by a key entry');
      }
      return { privateKeyPem: pem, publicKeyPem: derivePublicPem(pem) };
    });
  }

  /** Signing keys this store replaced by adopting key files: one the log trusts countersigns the current key. */
  otherSigningKeys(): Promise<SigningKeyPair[]> {
    return this.locked(async () => {
      const stored = await this.read();
      const current = this.fileSigningPem() ?? stored.privateKeyPem;
      return (stored.previousPrivateKeyPems ?? []).filter((pem) => pem !== current).flatMap((pem) => pairOf(pem));
    });
  }

  /**
   * Writes the keys as the CLI expects them: `.erase/keys/` (0700) with the HMAC key and the
   * private key as 0600 files (public key 0644). Creates keys first if there are none yet.
   */
  async exportToFiles(): Promise<string[]> {
    const hmac = Buffer.from(await this.getOrCreateHmacKey()).toString('hex');
    const pair = await this.getOrCreateSigningKey();
    fs.mkdirSync(this.keysDir, { recursive: true, mode: 0o700 });
    fs.chmodSync(this.keysDir, 0o700);
    const written: string[] = [];
    for (const [name, text, mode] of [
      [HMAC_KEY_FILE, hmac + '\n', 0o600],
      [SIGNING_KEY_FILE, pair.privateKeyPem, 0o600],
      [SIGNING_PUBLIC_FILE, pair.publicKeyPem, 0o644],
    ] as const) {
      const file = path.join(this.keysDir, name);
      const tmp = `${file}.${process.pid}.tmp`;
      const fd = fs.openSync(tmp, 'w', 0o600); // private from the first byte
      try {
        fs.writeSync(fd, text);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.chmodSync(tmp, mode);
      fs.renameSync(tmp, file);
      written.push(file);
    }
    return written;
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async read(): Promise<StoredKeys> {
    const raw = await this.secrets.get(this.secretName);
    if (!raw) return { format: 'erase-audit-keys/1' };
    try {
      const v = JSON.parse(raw) as StoredKeys;
      const strings = (x: unknown, ok: (t: string) => boolean) => (Array.isArray(x) ? x.filter((t): t is string => typeof t === 'string' && ok(t)) : undefined);
      const prevHmac = strings(v.previousHmacKeyHexes, (t) => HMAC_HEX.test(t));
      const prevPem = strings(v.previousPrivateKeyPems, () => true);
      return {
        format: 'erase-audit-keys/1',
        ...(typeof v.hmacKeyHex === 'string' && HMAC_HEX.test(v.hmacKeyHex) ? { hmacKeyHex: v.hmacKeyHex } : {}),
        ...(typeof v.privateKeyPem === 'string' ? { privateKeyPem: v.privateKeyPem } : {}),
        ...(prevHmac?.length ? { previousHmacKeyHexes: prevHmac } : {}),
        ...(prevPem?.length ? { previousPrivateKeyPems: prevPem } : {}),
      };
    } catch {
      throw new Error('the audit keys in SecretStorage are damaged; export a backup copy of .erase/keys/ into place and reload the window');
    }
  }

  private write(v: StoredKeys): Thenable<void> {
    return this.secrets.store(this.secretName, JSON.stringify(v));
  }

  private fileHmacHex(): string | undefined {
    const file = path.join(this.keysDir, HMAC_KEY_FILE);
    if (!fs.existsSync(file)) return undefined;
    const text = fs.readFileSync(file, 'utf8').trim();
    if (!/^[0-9a-f]{64,}$/.test(text)) throw new Error(`the audit HMAC key file ${file} is damaged; restore it from a backup`);
    return text;
  }

  private fileSigningPem(): string | undefined {
    const file = path.join(this.keysDir, SIGNING_KEY_FILE);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  }
}

/** A stored private key as a pair; a damaged one is skipped (it can only ever help as a countersigner). */
function pairOf(privateKeyPem: string): SigningKeyPair[] {
  try {
    return [{ privateKeyPem, publicKeyPem: derivePublicPem(privateKeyPem) }];
  } catch {
    return [];
  }
}
