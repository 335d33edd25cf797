import { migrate, type Database } from '@app/platform/database';
import { DataKeys, type DataKeyOwner, PERSONAL_DATA_MIGRATION } from './data-keys';
import { isEnvelope, openValue, parseEnvelope, sealValue } from './envelope';
import { loadOrCreateMasterKey } from './master-key';

type Payload = Record<string, unknown>;

/** A payload as read back: plaintext where the key lives, null where it was destroyed. */
export interface OpenedPayload {
  data: Payload;
  /** The personal-data paths whose key was destroyed (erased), in the order asked. */
  erasedFields: string[];
}

/** The associated data of one sealed value: the tenant, the key's owner and the field's path. */
function valueAad(owner: DataKeyOwner, path: string): string {
  const id = owner.kind === 'subject' ? owner.subjectId : owner.contactKey;
  return `personal-data|${owner.tenantId}|${owner.kind}:${id}|${path}`;
}

function parentOf(data: Payload, path: string): { parent: Payload; leaf: string } | null {
  const segments = path.split('.');
  let parent: unknown = data;
  for (const segment of segments.slice(0, -1)) {
    if (parent === null || typeof parent !== 'object') return null;
    parent = (parent as Payload)[segment];
  }
  if (parent === null || typeof parent !== 'object') return null;
  return { parent: parent as Payload, leaf: segments[segments.length - 1] };
}

/**
 * Crypto-shredding of the personal fields of event payloads (H11 erasure). Each owner (subject, or contact point)
 * has its own AES-256-GCM data key, wrapped under the ledger master key; `seal` encrypts the named fields before an
 * append, `open` decrypts them for presentation, `destroy` deletes the key so that every value it sealed — in every
 * event, read model and Kafka message that copied it — becomes unreadable while the stored bytes (and the hash
 * chains over them) stay as they were.
 */
export class PersonalDataCodec {
  private keys?: Promise<DataKeys>;

  constructor(private readonly db: Database, private readonly masterKeyDir: string) {}

  private dataKeys(): Promise<DataKeys> {
    this.keys ??= (async () => {
      await migrate(this.db, [PERSONAL_DATA_MIGRATION]);
      return new DataKeys(this.db, await loadOrCreateMasterKey(this.masterKeyDir));
    })();
    this.keys.catch(() => (this.keys = undefined));
    return this.keys;
  }

  /** Whether any of `paths` holds a value to seal (so events without personal data never touch the key table). */
  static holdsPersonalData(data: Payload, paths: readonly string[]): boolean {
    return paths.some((path) => {
      const at = parentOf(data, path);
      const value = at?.parent[at.leaf];
      return (typeof value === 'string' && !isEnvelope(value)) || (Array.isArray(value) && value.some((v) => typeof v === 'string' && !isEnvelope(v)));
    });
  }

  /** A copy of `data` with each string (or each string of an array) at `paths` sealed under the owner's live key. */
  async seal(owner: DataKeyOwner, data: Payload, paths: readonly string[]): Promise<Payload> {
    if (!PersonalDataCodec.holdsPersonalData(data, paths)) return data;
    const { kid, key } = await (await this.dataKeys()).live(owner);
    const sealed = structuredClone(data);
    for (const path of paths) {
      const at = parentOf(sealed, path);
      if (!at) continue;
      const seal = (value: unknown) => (typeof value === 'string' && !isEnvelope(value) ? sealValue(key, kid, valueAad(owner, path), value) : value);
      const value = at.parent[at.leaf];
      at.parent[at.leaf] = Array.isArray(value) ? value.map(seal) : seal(value);
    }
    return sealed;
  }

  /** Opens the sealed values of many payloads of one tenant with one key lookup. */
  async open(tenantId: string, items: readonly { data: Payload; paths: readonly string[] }[]): Promise<OpenedPayload[]> {
    const kids = new Set<string>();
    for (const { data, paths } of items) {
      for (const path of paths) {
        const at = parentOf(data, path);
        const value = at?.parent[at.leaf];
        for (const v of Array.isArray(value) ? value : [value]) {
          if (isEnvelope(v)) kids.add(parseEnvelope(v)!.kid);
        }
      }
    }
    if (kids.size === 0) return items.map(({ data }) => ({ data, erasedFields: [] }));
    const found = await (await this.dataKeys()).find(tenantId, [...kids]);
    return items.map(({ data, paths }) => {
      const opened = structuredClone(data);
      const erasedFields: string[] = [];
      for (const path of paths) {
        const at = parentOf(opened, path);
        if (!at) continue;
        let erased = false;
        const open = (value: unknown) => {
          if (!isEnvelope(value)) return value;
          const envelope = parseEnvelope(value)!;
          const key = found.get(envelope.kid);
          if (!key?.key) {
            erased = true;
            return null;
          }
          return openValue(key.key, envelope, valueAad(key.owner, path));
        };
        const value = at.parent[at.leaf];
        const plain = Array.isArray(value) ? value.map(open) : open(value);
        at.parent[at.leaf] = erased ? null : plain;
        if (erased) erasedFields.push(path);
      }
      return { data: opened, erasedFields };
    });
  }

  /** Destroys the owner's key(s). Idempotent: a second call destroys nothing more. */
  async destroy(owner: DataKeyOwner, at: string): Promise<number> {
    return (await this.dataKeys()).destroy(owner, at);
  }
}
