import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type JWK, type CryptoKey } from 'jose';

/** The ledger's own signing keys (ES256), kept under LEDGER_DATA_DIR/keys. The last key signs. */
export interface StoredKey { kid: string; createdAt: string; privateJwk: JWK; publicJwk: JWK }

export class KeySet {
  private constructor(private readonly keys: StoredKey[]) {}

  static async loadOrCreate(dir: string, now: () => Date = () => new Date()): Promise<KeySet> {
    const file = join(dir, 'signing-keys.json');
    try {
      const stored = JSON.parse(await readFile(file, 'utf8')) as { keys: StoredKey[] };
      if (!Array.isArray(stored.keys) || stored.keys.length === 0) throw new Error(`${file} holds no keys`);
      return new KeySet(stored.keys);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const key = await KeySet.generate(now());
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify({ keys: [key] }, null, 2), { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, file);
    // Another process may have won the race; whatever is on disk now is the key set.
    const stored = JSON.parse(await readFile(file, 'utf8')) as { keys: StoredKey[] };
    return new KeySet(stored.keys);
  }

  static async generate(at: Date): Promise<StoredKey> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const kid = `ledger-${at.toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}-${Math.random().toString(36).slice(2, 8)}`;
    const privateJwk = { ...(await exportJWK(privateKey)), kid, alg: 'ES256', use: 'sig' };
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
    return { kid, createdAt: at.toISOString(), privateJwk, publicJwk };
  }

  get activeKid(): string {
    return this.keys[this.keys.length - 1].kid;
  }

  async activePrivateKey(): Promise<CryptoKey> {
    const key = this.keys[this.keys.length - 1];
    return (await importJWK(key.privateJwk, 'ES256')) as CryptoKey;
  }

  /** The public JWKS: what anyone may use to verify tokens, receipts and document signatures. */
  publicJwks(): { keys: JWK[] } {
    return { keys: this.keys.map((k) => k.publicJwk) };
  }
}
