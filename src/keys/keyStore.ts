// The key store: values in SecretStorage, an index of names and metadata beside them.
// SecretStorage cannot list its entries, so the index (in globalState) says which keys
// exist. The index never holds a value, a digest or any part of one.

import { keyNameProblem, keyValueProblem } from '../shared/names';
import { StorageKey } from '../constants';
import { recogniseProvider, valueShapeWarning } from './providers';

/** The part of vscode.SecretStorage the store needs (passed in, so tests can use a real one). */
export interface SecretBackend {
  get(key: string): PromiseLike<string | undefined>;
  store(key: string, value: string): PromiseLike<void>;
  delete(key: string): PromiseLike<void>;
}

/** The part of vscode.Memento the store needs. */
export interface StateBackend {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export interface KeyMeta {
  name: string;
  project: string;
  provider: string;
  createdAt: string;
  updatedAt: string;
  /** The cloud version this machine's value was last pushed as or matched, for compare-and-set. */
  cloudVersion?: number;
}

type Index = Record<string, Record<string, Omit<KeyMeta, 'name' | 'project'>>>;

export class KeyStoreError extends Error {
  constructor(
    message: string,
    readonly code: 'invalid_name' | 'invalid_value' | 'exists' | 'not_found',
  ) {
    super(message);
  }
}

export interface ChangeListener {
  (project: string): void;
}

export class KeyStore {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<ChangeListener>();

  constructor(
    private readonly secrets: SecretBackend,
    private readonly state: StateBackend,
    private readonly now: () => Date = () => new Date(),
  ) {}

  onDidChange(listener: ChangeListener): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Keys of a project, sorted by name. */
  list(project: string): KeyMeta[] {
    const entries = this.index()[project] ?? {};
    return Object.keys(entries)
      .sort()
      .map((name) => ({ name, project, ...entries[name]! }));
  }

  projects(): string[] {
    return Object.keys(this.index())
      .filter((p) => Object.keys(this.index()[p] ?? {}).length > 0)
      .sort();
  }

  get(project: string, name: string): KeyMeta | undefined {
    const meta = this.index()[project]?.[name];
    return meta ? { name, project, ...meta } : undefined;
  }

  /** The value, read from SecretStorage; undefined if the index lists the key but the value is gone. */
  async value(project: string, name: string): Promise<string | undefined> {
    return this.secrets.get(secretKey(project, name));
  }

  /** Every stored value of a project (for the linter's exact matching); never logged. */
  async values(project?: string): Promise<string[]> {
    const projects = project ? [project] : Object.keys(this.index());
    const out: string[] = [];
    for (const p of projects) {
      for (const k of this.list(p)) {
        const v = await this.value(p, k.name);
        if (v) out.push(v);
      }
    }
    return out;
  }

  /** Every stored value with its key's name (for the linter, to name the key a match is of); never logged. */
  async namedValues(): Promise<{ name: string; value: string }[]> {
    // Read together: each read is a round trip to the local machine in a remote window.
    const keys = this.projects().flatMap((p) => this.list(p));
    const values = await Promise.all(keys.map((k) => this.value(k.project, k.name)));
    const out: { name: string; value: string }[] = [];
    keys.forEach((k, i) => {
      const value = values[i];
      if (value) out.push({ name: k.name, value });
    });
    return out;
  }

  /** The key holding exactly this value, if any (the linter's "already stored" check). */
  async findByValue(value: string): Promise<{ project: string; name: string } | undefined> {
    for (const project of this.projects()) {
      for (const k of this.list(project))
        if ((await this.value(project, k.name)) === value) return { project, name: k.name };
    }
    return undefined;
  }

  /**
   * Adds a key. Returns a warning (never containing the value) when the value's shape
   * contradicts the name. Refuses an existing name unless `overwrite`.
   */
  add(
    project: string,
    name: string,
    value: string,
    opts: { overwrite?: boolean } = {},
  ): Promise<{ warning?: string; replaced: boolean }> {
    return this.serial(async () => {
      checkName(name);
      checkValue(value);
      const existing = this.index()[project]?.[name];
      if (existing && !opts.overwrite) {
        throw new KeyStoreError(
          `A key named ${name} already exists in project ${project}. Use Edit Value to rotate it.`,
          'exists',
        );
      }
      await this.secrets.store(secretKey(project, name), value);
      const time = this.now().toISOString();
      await this.writeEntry(project, name, {
        provider: recogniseProvider(name, value).id,
        createdAt: existing?.createdAt ?? time,
        updatedAt: time,
        ...(existing?.cloudVersion !== undefined ? { cloudVersion: existing.cloudVersion } : {}),
      });
      this.emit(project);
      return { warning: valueShapeWarning(name, value), replaced: !!existing };
    });
  }

  /** Replaces the value of an existing key (rotation). */
  rotate(project: string, name: string, value: string): Promise<{ warning?: string }> {
    return this.serial(async () => {
      checkValue(value);
      const existing = this.requireEntry(project, name);
      await this.secrets.store(secretKey(project, name), value);
      await this.writeEntry(project, name, {
        ...existing,
        provider: recogniseProvider(name, value).id,
        updatedAt: this.now().toISOString(),
      });
      this.emit(project);
      return { warning: valueShapeWarning(name, value) };
    });
  }

  rename(project: string, name: string, newName: string): Promise<void> {
    return this.serial(async () => {
      checkName(newName);
      const existing = this.requireEntry(project, name);
      if (newName === name) return;
      if (this.index()[project]?.[newName]) {
        throw new KeyStoreError(
          `A key named ${newName} already exists in project ${project}. Delete it first or choose another name.`,
          'exists',
        );
      }
      const value = await this.secrets.get(secretKey(project, name));
      if (value === undefined) {
        throw new KeyStoreError(
          `The value of ${name} is missing from this machine's secret storage, so it cannot be renamed. Set it again with Edit Value.`,
          'not_found',
        );
      }
      // Write the new entry before removing the old one: a crash in between leaves a copy, never a loss.
      await this.secrets.store(secretKey(project, newName), value);
      const { cloudVersion: _dropped, ...rest } = existing;
      await this.writeEntry(project, newName, {
        ...rest,
        provider: recogniseProvider(newName, value).id,
        updatedAt: this.now().toISOString(),
      });
      await this.removeEntry(project, name);
      await this.secrets.delete(secretKey(project, name));
      this.emit(project);
    });
  }

  delete(project: string, name: string): Promise<void> {
    return this.serial(async () => {
      this.requireEntry(project, name);
      await this.removeEntry(project, name);
      await this.secrets.delete(secretKey(project, name));
      this.emit(project);
    });
  }

  /** Records the cloud version that matches this machine's value. */
  setCloudVersion(project: string, name: string, version: number | undefined): Promise<void> {
    return this.serial(async () => {
      const existing = this.index()[project]?.[name];
      if (!existing) return;
      const { cloudVersion: _old, ...rest } = existing;
      await this.writeEntry(project, name, version === undefined ? rest : { ...rest, cloudVersion: version });
      this.emit(project);
    });
  }

  /** Re-reads the index, e.g. after another window changed it. */
  notifyExternalChange(project?: string): void {
    for (const p of project ? [project] : Object.keys(this.index())) this.emit(p);
  }

  private index(): Index {
    return this.state.get<Index>(StorageKey.keyIndex) ?? {};
  }

  private requireEntry(project: string, name: string): Omit<KeyMeta, 'name' | 'project'> {
    const existing = this.index()[project]?.[name];
    if (!existing) throw new KeyStoreError(`There is no key named ${name} in project ${project}.`, 'not_found');
    return existing;
  }

  private async writeEntry(project: string, name: string, meta: Omit<KeyMeta, 'name' | 'project'>): Promise<void> {
    const index = this.index();
    await this.state.update(StorageKey.keyIndex, { ...index, [project]: { ...(index[project] ?? {}), [name]: meta } });
  }

  private async removeEntry(project: string, name: string): Promise<void> {
    const index = this.index();
    const { [name]: _removed, ...rest } = index[project] ?? {};
    await this.state.update(StorageKey.keyIndex, { ...index, [project]: rest });
  }

  private emit(project: string): void {
    for (const l of this.listeners) l(project);
  }

  /** Runs store operations one at a time, so two commands never interleave index writes. */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

export function secretKey(project: string, name: string): string {
  return `${StorageKey.valuePrefix}${project}/${name}`;
}

function checkName(name: string): void {
  const problem = keyNameProblem(name);
  if (problem) throw new KeyStoreError(problem, 'invalid_name');
}

function checkValue(value: string): void {
  const problem = keyValueProblem(value);
  if (problem) throw new KeyStoreError(problem, 'invalid_value');
}
