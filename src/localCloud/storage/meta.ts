// Settings of the install kept in the database, such as the master key's check value.
import type { SqlClient } from './sql';

export interface MetaStore {
  get(key: string): Promise<string | undefined>;
  /** Stores `value` unless the key holds one already; answers the value the database keeps. */
  setIfAbsent(key: string, value: string): Promise<string>;
}

export class SqlMetaStore implements MetaStore {
  constructor(private readonly sql: SqlClient) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.sql.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [key]))?.value;
  }

  async setIfAbsent(key: string, value: string): Promise<string> {
    await this.sql.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', [key, value]);
    return (await this.get(key)) ?? value;
  }
}
