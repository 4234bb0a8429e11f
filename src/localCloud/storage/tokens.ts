// Projects and the hashes of their bearer tokens (never a token itself). Each token row names
// its identity through its id; members, roles and service tokens add columns here.
import type { ChangeFeed } from './changes';
import type { SqlClient } from './sql';

export interface TokenHash {
  id: string;
  hash: Buffer;
}

export type TokenLabel = 'generated' | 'flag';

export interface TokenStore {
  /** Creates the project if it is new; answers whether it was created. */
  ensureProject(project: string, time: string): Promise<boolean>;
  projects(): Promise<string[]>;
  /** The hashes of every token of a project. */
  hashes(project: string): Promise<TokenHash[]>;
  add(project: string, token: TokenHash, label: TokenLabel, time: string): Promise<void>;
  /** Replaces the project's tokens of `label` with `token`, in one transaction. */
  replace(project: string, token: TokenHash, label: TokenLabel, time: string): Promise<void>;
}

export class SqlTokenStore implements TokenStore {
  constructor(
    private readonly sql: SqlClient,
    private readonly feed: ChangeFeed,
  ) {}

  async ensureProject(project: string, time: string): Promise<boolean> {
    const changed = await this.sql.run(
      'INSERT INTO projects (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',
      [project, time],
    );
    return changed > 0;
  }

  async projects(): Promise<string[]> {
    return (await this.sql.all<{ name: string }>('SELECT name FROM projects ORDER BY name')).map((r) => r.name);
  }

  hashes(project: string): Promise<TokenHash[]> {
    return this.sql.all<TokenHash>('SELECT id, hash FROM tokens WHERE project = ?', [project]);
  }

  add(project: string, token: TokenHash, label: TokenLabel, time: string): Promise<void> {
    return this.insert(project, token, label, time, false);
  }

  replace(project: string, token: TokenHash, label: TokenLabel, time: string): Promise<void> {
    return this.insert(project, token, label, time, true);
  }

  /** Inserts a token (after removing the project's others of `label` with `replacing`), announced. */
  private async insert(project: string, token: TokenHash, label: TokenLabel, time: string, replacing: boolean) {
    let announced = 0;
    const change = { project, kind: 'tokens' as const, name: '' };
    await this.sql.transaction(async (tx) => {
      if (replacing) await tx.run('DELETE FROM tokens WHERE project = ? AND label = ?', [project, label]);
      await tx.run('INSERT INTO tokens (id, project, hash, label, created_at) VALUES (?, ?, ?, ?, ?)', [
        token.id,
        project,
        token.hash,
        label,
        time,
      ]);
      announced = await this.feed.inTransaction(tx, change);
    });
    await this.feed.committed(change, announced);
  }
}
