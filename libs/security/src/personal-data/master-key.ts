import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const MASTER_KEY_FILE = 'data-master.key';

export interface MasterKey {
  key: Buffer;
  /** A fingerprint (first 16 hex digits of SHA-256 of the key), stored beside each wrapped data key. */
  id: string;
}

/**
 * The ledger master key wraps every per-subject and per-contact data key. It lives in `<dir>/data-master.key`
 * (32 random bytes, base64, mode 0600), created on first use. Every instance that shares a database must be given
 * the same file (a mounted secret in a scaled-out deployment); a data key wrapped by another master key is refused
 * with its fingerprint, never silently read as garbage.
 */
export async function loadOrCreateMasterKey(dir: string): Promise<MasterKey> {
  const path = join(dir, MASTER_KEY_FILE);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // Written aside, then linked into place: link fails if the file exists, so two starters never keep two keys
  // and nobody reads a half-written file.
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temporary, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  try {
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await unlink(temporary);
  }
  const key = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64');
  if (key.length !== 32) throw new Error(`${path} does not hold a 32-byte base64 key`);
  return { key, id: createHash('sha256').update(key).digest('hex').slice(0, 16) };
}
