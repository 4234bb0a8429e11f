// Envelope encryption: the root key (CLOUDXLR_MASTER_KEY or master.key) wraps one data key per
// project and one per install-wide purpose; values are sealed with their project's data key,
// and each sealed value records that key's id. Rotating the root key therefore re-wraps a
// handful of data keys, never the values. A node holds its current root key and, during a
// rotation, the previous ones; it unwraps with any of them that the database accepts, and
// wraps new data keys under all of those, so nodes on either key keep serving. Unwrapped data
// keys stay in this node's memory only (never logged, never in a message), so a warm call
// reads no key material from the database.
import { randomBytes } from 'crypto';
import { MasterKeyError, RootKey, ValueCipher, describeKeySource } from './crypto';
import type { DataKeyStore, FinishResult, RotationResult, Wrapping } from './storage/dataKeys';
import type { MetaStore } from './storage/meta';

/** The data key earlier versions derived from the master key (key_versions.data_key_id NULL). */
export const LEGACY_DATA_KEY = 'legacy';
const LEGACY_OWNER = 'install:legacy-values';
/** The meta entry in which earlier versions kept the master key's check value. */
const LEGACY_CHECK = 'master_key_check';
/** How long a node seals with the data key it knows before it asks whether a newer one exists. */
const CURRENT_TTL_MS = 60_000;

const projectOwner = (project: string): string => `project:${project}`;
const installOwner = (name: string): string => `install:${name}`;

/** What a node knows about the root keys, for the start-up lines and `cloud key-info`. */
export interface RootKeyInfo {
  /** The id of the key this node was started with. */
  current: string;
  /** Ids of the previous keys this node was given. */
  previous: string[];
  /** Ids the database accepts. */
  accepted: string[];
}

interface OpenKey {
  owner: string;
  cipher: ValueCipher;
}

export class Keyring {
  private readonly open = new Map<string, OpenKey>();
  private readonly newest = new Map<string, { id: string; until: number }>();

  private constructor(
    private readonly store: DataKeyStore,
    /** The node's root keys that the database accepts, the current one first when accepted. */
    private readonly roots: RootKey[],
    private readonly held: RootKey[],
    private accepted: string[],
    private readonly now: () => Date,
  ) {}

  /**
   * Checks this node's root keys against the database and answers its keyring; throws
   * MasterKeyError, naming the key ids, when the database accepts none of them. `held` is the
   * current key first, then the previous ones.
   */
  static async open(
    store: DataKeyStore,
    meta: MetaStore,
    held: RootKey[],
    now: () => Date,
    /** Where the data lives, for messages: 'this data directory' or 'this database'. */
    place = 'this database',
  ): Promise<Keyring> {
    const time = now().toISOString();
    let accepted = await store.acceptedRootKeys();
    if (accepted.length === 0) {
      // A database from before envelopes (or a new one): the first node to start records its
      // check in the earlier form, which every later node must match (older nodes still do).
      const check = await meta.setIfAbsent(LEGACY_CHECK, held[0]!.legacyCheck);
      const first = held.find((k) => k.legacyCheck === check);
      if (!first) throw new MasterKeyError(noKeyMessage(held, [], place));
      accepted = await store.acceptRootKey(first.id, time);
    }
    const roots = held.filter((k) => accepted.includes(k.id));
    if (roots.length === 0) throw new MasterKeyError(noKeyMessage(held, accepted, place));
    const keyring = new Keyring(store, roots, held, accepted, now);
    await keyring.keepLegacyKey(meta);
    return keyring;
  }

  /** The ids of this node's keys and of the keys the database accepts. */
  info(): RootKeyInfo {
    return { current: this.held[0]!.id, previous: this.held.slice(1).map((k) => k.id), accepted: [...this.accepted] };
  }

  /** Whether this node's current root key is accepted (false until `rotate-root-key` has run). */
  get currentAccepted(): boolean {
    return this.accepted.includes(this.held[0]!.id);
  }

  /** The cipher that seals a project's new values, and its data key's id; made on first use. */
  async sealerOf(project: string): Promise<{ id: string; cipher: ValueCipher }> {
    const owner = projectOwner(project);
    const known = this.newest.get(owner);
    if (known && known.until > Date.now()) return { id: known.id, cipher: this.open.get(known.id)!.cipher };
    let wrappings = await this.store.current(owner);
    if (wrappings.length === 0) wrappings = await this.create(owner, 1);
    const id = wrappings[0]!.id;
    const cipher = this.unwrap(wrappings).cipher;
    this.newest.set(owner, { id, until: Date.now() + CURRENT_TTL_MS });
    return { id, cipher };
  }

  /**
   * The cipher that opens a value of `project` sealed with data key `id` (null: the key of
   * earlier versions). Throws, naming only ids, when the data key belongs to another project
   * or no root key of this node unwraps it.
   */
  async openerOf(project: string, id: string | null): Promise<ValueCipher> {
    const dataKey = id ?? LEGACY_DATA_KEY;
    let key = this.open.get(dataKey);
    if (!key) {
      const wrappings = await this.store.wrappings(dataKey);
      if (wrappings.length === 0) throw new Error(`The data key ${dataKey} is not in the database.`);
      key = this.unwrap(wrappings);
    }
    if (dataKey !== LEGACY_DATA_KEY && key.owner !== projectOwner(project))
      throw new Error(`The data key ${dataKey} belongs to another project, not ${project}.`);
    return key.cipher;
  }

  /**
   * An install-wide key for `name` (for example the audit's HMAC key): 32 random bytes made on
   * first use, wrapped by the root key like the data keys, so a root rotation covers it.
   */
  async installKey(name: string): Promise<Buffer> {
    const owner = installOwner(name);
    let wrappings = await this.store.current(owner);
    if (wrappings.length === 0) wrappings = await this.create(owner, 1);
    return this.unwrapBytes(wrappings[0]!.id, owner, wrappings);
  }

  /** Makes a new data key for the project's new values; the older ones still open what they sealed. */
  async rotateDataKey(project: string): Promise<{ id: string; generation: number }> {
    const owner = projectOwner(project);
    const current = await this.store.current(owner);
    const generation = (current[0]?.generation ?? 0) + 1;
    const made = await this.create(owner, generation);
    this.newest.delete(owner);
    return { id: made[0]!.id, generation: made[0]!.generation };
  }

  /** Wraps every data key under this node's current root key too, and accepts it. */
  async addCurrentRootKey(): Promise<RotationResult> {
    const current = this.held[0]!;
    const result = await this.store.addRootKey(current.id, (w) => this.rewrap(current, w), this.now().toISOString());
    this.accepted = await this.store.acceptedRootKeys();
    return result;
  }

  /** Keeps only the current root key; throws StillNeeded while data keys only older keys wrap. */
  async keepOnlyCurrentRootKey(): Promise<FinishResult> {
    const current = this.held[0]!;
    const result = await this.store.keepOnlyRootKey(
      current.id,
      (w) => this.rewrap(current, w),
      this.now().toISOString(),
    );
    this.accepted = await this.store.acceptedRootKeys();
    return result;
  }

  private rewrap(to: RootKey, wrappings: Wrapping[]): Buffer | undefined {
    const { id, owner } = wrappings[0]!;
    if (!wrappings.some((w) => this.roots.some((r) => r.id === w.rootKeyId))) return undefined;
    return to.wrap(id, owner, this.unwrapBytes(id, owner, wrappings));
  }

  private async create(owner: string, generation: number): Promise<Wrapping[]> {
    const id = `dk_${randomBytes(12).toString('hex')}`;
    const dataKey = randomBytes(32);
    const wrappings = this.roots.map((r) => ({ id, rootKeyId: r.id, wrapped: r.wrap(id, owner, dataKey) }));
    return this.store.add(owner, generation, wrappings, this.now().toISOString());
  }

  private unwrap(wrappings: Wrapping[]): OpenKey {
    const { id, owner } = wrappings[0]!;
    const cached = this.open.get(id);
    if (cached) return cached;
    const key = { owner, cipher: new ValueCipher(this.unwrapBytes(id, owner, wrappings), 'data-key') };
    this.open.set(id, key);
    return key;
  }

  private unwrapBytes(id: string, owner: string, wrappings: Wrapping[]): Buffer {
    for (const root of this.roots) {
      const w = wrappings.find((x) => x.rootKeyId === root.id);
      if (!w) continue;
      try {
        return root.unwrap(id, owner, w.wrapped);
      } catch {
        throw new Error(
          `The data key ${id} does not unwrap with the root key ${root.id}: its wrapping was changed or moved.`,
        );
      }
    }
    throw new Error(
      `The data key ${id} is wrapped only by ${wrappings.map((w) => w.rootKeyId).join(', ')}, and this node holds ${this.roots.map((r) => r.id).join(', ')}. Run cloudxlr cloud rotate-root-key with both keys to wrap it again.`,
    );
  }

  /** Keeps the master-derived key of earlier versions as a data key, so a root rotation covers its values too. */
  private async keepLegacyKey(meta: MetaStore): Promise<void> {
    if ((await this.store.wrappings(LEGACY_DATA_KEY)).length > 0) return;
    const check = await meta.get(LEGACY_CHECK);
    const origin = this.held.find((k) => k.legacyCheck === check);
    // Only the first root key derives it; a database rotated before it was kept has no such values.
    if (!origin) return;
    const wrapped = this.roots.map((r) => ({
      id: LEGACY_DATA_KEY,
      rootKeyId: r.id,
      wrapped: r.wrap(LEGACY_DATA_KEY, LEGACY_OWNER, origin.legacyValueKey),
    }));
    await this.store.add(LEGACY_OWNER, 1, wrapped, this.now().toISOString());
  }
}

function noKeyMessage(held: RootKey[], accepted: string[], place: string): string {
  const mine = held.map((k) => `${k.id} (from ${describeKeySource(k.source)})`).join(', ');
  if (accepted.length === 0)
    return `The master key ${mine} is not the one ${place} was created with, so its values cannot be decrypted. Use the original key${place === 'this database' ? ' (every node of a team cloud needs the same key: give each CLOUDXLR_MASTER_KEY)' : ''}.`;
  return `The root key${held.length > 1 ? 's' : ''} ${mine} ${held.length > 1 ? 'are' : 'is'} not accepted by ${place}, which accepts ${accepted.join(', ')}. Start with the current root key (CLOUDXLR_MASTER_KEY or master.key), or, to rotate to this key, run cloudxlr cloud rotate-root-key with the previous key.`;
}
