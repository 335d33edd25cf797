import { chmod, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type CryptoKey } from 'jose';

/** The ledger's own signing keys (ES256), kept under LEDGER_DATA_DIR/keys. The last key signs. */
export interface StoredKey { kid: string; createdAt: string; privateJwk: JWK; publicJwk: JWK }

const FILE = 'signing-keys.json';

/**
 * The embedded key set. Rotation appends a new key that signs from then on; older keys stay for verification
 * (tokens, receipts and evidence bundles signed before the rotation keep verifying), so there is no cut-over gap.
 */
export class KeySet {
  private fileMtimeMs = 0;

  private constructor(private keys: StoredKey[], private readonly dir?: string) {}

  /** A key set held only in memory (tests, tools). */
  static fromKeys(keys: StoredKey[]): KeySet {
    if (keys.length === 0) throw new Error('a key set needs at least one key');
    return new KeySet([...keys]);
  }

  static async loadOrCreate(dir: string, now: () => Date = () => new Date()): Promise<KeySet> {
    const file = join(dir, FILE);
    const existing = await readKeys(file);
    if (existing) return new KeySet(existing, dir);
    const key = await KeySet.generate(now());
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ keys: [key] }, null, 2), { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, file);
    // Another process may have won the race; whatever is on disk now is the key set.
    return new KeySet((await readKeys(file))!, dir);
  }

  static async generate(at: Date): Promise<StoredKey> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = `ledger-${at.toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${Math.random().toString(36).slice(2, 8)}`;
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    return { kid, createdAt: at.toISOString(), privateJwk, publicJwk };
  }

  /**
   * Adds a new signing key and makes it active; the previous keys remain trusted for verification. Persists the
   * set (atomically, mode 0600) when it came from a directory. Returns the new kid.
   */
  async rotate(at: Date = new Date()): Promise<string> {
    if (this.dir) await this.reload(true);
    const key = await KeySet.generate(at);
    this.keys = [...this.keys, key];
    if (this.dir) {
      const file = join(this.dir, FILE);
      const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
      await writeFile(tmp, JSON.stringify({ keys: this.keys }, null, 2), { mode: 0o600 });
      await chmod(tmp, 0o600);
      await rename(tmp, file);
    }
    return key.kid;
  }

  /**
   * Re-reads the key file when it changed (a `ledgerctl keys rotate` by another process). A token with a made-up kid
   * costs one stat(2); the file is read only when its modification time moved.
   */
  async reload(force = false): Promise<boolean> {
    if (!this.dir) return false;
    const file = join(this.dir, FILE);
    const mtime = (await stat(file).catch(() => undefined))?.mtimeMs ?? 0;
    if (!force && mtime === this.fileMtimeMs) return false;
    this.fileMtimeMs = mtime;
    const keys = await readKeys(file);
    if (!keys) return false;
    const changed = keys.length !== this.keys.length || keys.some((k, i) => k.kid !== this.keys[i]?.kid);
    this.keys = keys;
    return changed;
  }

  get activeKid(): string {
    return this.keys[this.keys.length - 1].kid;
  }

  get kids(): string[] {
    return this.keys.map((k) => k.kid);
  }

  async activePrivateKey(): Promise<CryptoKey> {
    const key = this.keys[this.keys.length - 1];
    return (await importJWK(key.privateJwk, 'ES256')) as CryptoKey;
  }

  /** The public key with this kid, if the set holds it. */
  publicJwk(kid: string): JWK | undefined {
    return this.keys.find((k) => k.kid === kid)?.publicJwk;
  }

  /** The public JWKS: what anyone may use to verify tokens, receipts and document signatures. */
  publicJwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }
}

async function readKeys(file: string): Promise<StoredKey[] | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const stored = JSON.parse(text) as { keys: StoredKey[] };
  if (!Array.isArray(stored.keys) || stored.keys.length === 0) throw new Error(`${file} holds no keys`);
  return stored.keys;
}
