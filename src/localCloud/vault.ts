// The API Keys Manager: versioned, encrypted key values with compare-and-set, the in-use
// check against active function releases, and an audit event in the same transaction as each
// change. No method used by a route returns a value; readValue/readLatestValues exist for the
// functions runtime and the deploy check only.
import type { KeyDetails, KeySummary, PutKeyResponse } from '../api';
import { digestOf } from '../shared/secretText';
import { ApiError } from './errors';
import type { KeptReads } from './kept';
import type { Keyring } from './keyring';
import type { AuditActor, KeyRecord, KeyStore } from './storage';

export interface PutOutcome {
  created: boolean;
  result: PutKeyResponse;
}

export class Vault {
  constructor(
    private readonly keys: KeyStore,
    /** The data keys: each project's seals its new values (see keyring.ts). */
    private readonly keyring: Keyring,
    private readonly now: () => Date,
    /** Sealed values kept by version between changes (none kept without it). */
    private readonly kept?: KeptReads,
  ) {}

  async listKeys(project: string): Promise<KeySummary[]> {
    const [used, keys] = await Promise.all([this.keys.usedBy(project), this.keys.list(project)]);
    return keys.map((r) => summary(r, used.get(r.name) ?? []));
  }

  async getKey(project: string, name: string): Promise<KeyDetails | undefined> {
    const row = await this.keys.get(project, name);
    if (!row) return undefined;
    const [versions, used] = await Promise.all([this.keys.versions(project, name), this.usedBy(project, name)]);
    return { ...summary(row, used), versions };
  }

  /** Functions whose active release references the key, sorted by name. */
  async usedBy(project: string, name: string): Promise<string[]> {
    return (await this.keys.usedBy(project)).get(name) ?? [];
  }

  /**
   * Stores a new version. `ifVersion` is compare-and-set: 0 = must not exist, N = the current
   * version must be N; a mismatch throws 409 version_conflict and changes nothing.
   */
  async putKey(
    project: string,
    name: string,
    value: string,
    ifVersion: number | undefined,
    actor: AuditActor,
  ): Promise<PutOutcome> {
    const digest = digestOf(value);
    const sealer = await this.keyring.sealerOf(project);
    const outcome = await this.keys.put(
      project,
      name,
      { digest, dataKeyId: sealer.id, seal: (version) => sealer.cipher.seal(project, name, version, value) },
      ifVersion,
      actor,
      this.now().toISOString(),
    );
    if (outcome.kind === 'conflict') {
      throw new ApiError(
        409,
        'version_conflict',
        outcome.exists
          ? `The key ${name} is at version ${outcome.currentVersion}, not ${ifVersion}. Someone changed it; fetch it and decide again.`
          : `The key ${name} does not exist, so it is not at version ${ifVersion}.`,
        { currentVersion: outcome.currentVersion },
      );
    }
    return { created: outcome.created, result: { name, version: outcome.version, digest } };
  }

  /** Deletes a key and erases all its values; 404 if absent, 409 key_in_use unless forced. */
  async deleteKey(project: string, name: string, force: boolean, actor: AuditActor): Promise<void> {
    const outcome = await this.keys.delete(project, name, force, actor, this.now().toISOString());
    if (outcome.kind === 'missing') throw new ApiError(404, 'not_found', `There is no key ${name} in this project.`);
    if (outcome.kind === 'in_use') {
      const functions = outcome.functions;
      throw new ApiError(
        409,
        'key_in_use',
        `The key ${name} is used by ${functions.length === 1 ? 'the function' : 'the functions'} ${functions.join(', ')}. Deploy ${functions.length === 1 ? 'it' : 'them'} without the key first, or delete with force.`,
        { functions },
      );
    }
  }

  /**
   * The value of a key, for the functions runtime only: never hand it to a route's answer.
   * `version` is a whole number or 'latest'; undefined when the key or version does not exist.
   */
  async readValue(project: string, name: string, version: number | 'latest'): Promise<string | undefined> {
    const load = () => this.keys.sealed(project, name, version);
    // Kept sealed: the value is decrypted for each call and never held in the clear.
    const hit = this.kept ? await this.kept.read({ project, kind: 'key', name }, String(version), load) : await load();
    if (!hit) return undefined;
    return (await this.keyring.openerOf(project, hit.dataKeyId)).open(project, name, hit.version, hit.sealed);
  }

  /** The current value of every key of a project (for the deploy's secret_in_bundle check). */
  async readLatestValues(project: string): Promise<Array<{ name: string; version: number; value: string }>> {
    const out: Array<{ name: string; version: number; value: string }> = [];
    for (const r of await this.keys.latestSealed(project)) {
      const cipher = await this.keyring.openerOf(project, r.dataKeyId);
      out.push({ name: r.name, version: r.version, value: cipher.open(project, r.name, r.version, r.sealed) });
    }
    return out;
  }

  /** The current version of a key, or undefined when it does not exist. */
  async currentVersion(project: string, name: string): Promise<number | undefined> {
    return (await this.keys.get(project, name))?.version;
  }

  /** Whether a given version of a key exists (for pinned references). */
  async hasVersion(project: string, name: string, version: number): Promise<boolean> {
    return !!(await this.keys.sealed(project, name, version));
  }
}

function summary(r: KeyRecord, usedBy: string[]): KeySummary {
  return {
    name: r.name,
    version: r.version,
    digest: r.digest,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    usedBy,
  };
}
