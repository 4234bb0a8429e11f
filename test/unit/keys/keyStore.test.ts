import * as assert from 'assert';
import { KeyStore, KeyStoreError, secretKey } from '../../../src/keys/keyStore';
import { StorageKey } from '../../../src/constants';

/** A SecretStorage stand-in: a map. */
class MemorySecrets {
  readonly map = new Map<string, string>();
  async get(k: string) {
    return this.map.get(k);
  }
  async store(k: string, v: string) {
    this.map.set(k, v);
  }
  async delete(k: string) {
    this.map.delete(k);
  }
}
/** A Memento stand-in that round-trips through JSON, as VS Code's storage does. */
class MemoryState {
  readonly map = new Map<string, string>();
  get<T>(k: string): T | undefined {
    const v = this.map.get(k);
    return v === undefined ? undefined : (JSON.parse(v) as T);
  }
  async update(k: string, v: unknown) {
    this.map.set(k, JSON.stringify(v));
  }
}

const VALUE = 'sk_test_' + 'Zq9'.repeat(10);

describe('KeyStore', () => {
  let secrets: MemorySecrets;
  let state: MemoryState;
  let store: KeyStore;
  beforeEach(() => {
    secrets = new MemorySecrets();
    state = new MemoryState();
    store = new KeyStore(secrets, state, () => new Date('2026-01-02T03:04:05Z'));
  });

  it('stores the value in secret storage and only metadata in the index', async () => {
    await store.add('demo', 'STRIPE_SECRET_KEY', VALUE);
    assert.strictEqual(secrets.map.get(secretKey('demo', 'STRIPE_SECRET_KEY')), VALUE);
    const index = state.map.get(StorageKey.keyIndex)!;
    assert.ok(!index.includes(VALUE), 'index must not hold the value');
    assert.ok(!index.includes(VALUE.slice(-4)), 'index must not hold any part of the value');
    assert.deepStrictEqual(
      store.list('demo').map((k) => [k.name, k.provider]),
      [['STRIPE_SECRET_KEY', 'stripe']],
    );
  });

  it('survives a new store over the same storage (a reload)', async () => {
    await store.add('demo', 'OPENAI_API_KEY', 'sk-proj-' + 'a'.repeat(40));
    const again = new KeyStore(secrets, state);
    assert.deepStrictEqual(
      again.list('demo').map((k) => k.name),
      ['OPENAI_API_KEY'],
    );
    assert.strictEqual(await again.value('demo', 'OPENAI_API_KEY'), 'sk-proj-' + 'a'.repeat(40));
  });

  it('refuses bad names with a message that says what a name must look like', async () => {
    for (const bad of ['stripe_key', 'CLOUDXLR_TOKEN', '1KEY', 'A/B', 'KÉY', '', 'A'.repeat(129)]) {
      await assert.rejects(
        store.add('demo', bad, 'x'),
        (e: unknown) => e instanceof KeyStoreError && e.code === 'invalid_name' && !e.message.includes('undefined'),
      );
    }
    assert.deepStrictEqual(store.list('demo'), []);
  });

  it('refuses empty and oversized values without echoing them', async () => {
    await assert.rejects(store.add('demo', 'A', ''), /cannot be empty/);
    const huge = 'v'.repeat(64 * 1024 + 1);
    await assert.rejects(
      store.add('demo', 'A', huge),
      (e: Error) => /64 KiB/.test(e.message) && !e.message.includes('vvvv'),
    );
  });

  it('refuses a duplicate name unless overwriting', async () => {
    await store.add('demo', 'A_KEY', 'one');
    await assert.rejects(store.add('demo', 'A_KEY', 'two'), /already exists/);
    await store.add('demo', 'A_KEY', 'two', { overwrite: true });
    assert.strictEqual(await store.value('demo', 'A_KEY'), 'two');
  });

  it('rotates, renames and deletes, keeping projects apart', async () => {
    await store.add('demo', 'A_KEY', 'one');
    await store.add('other', 'A_KEY', 'other-value');
    await store.rotate('demo', 'A_KEY', 'two');
    await store.rename('demo', 'A_KEY', 'B_KEY');
    assert.deepStrictEqual(
      store.list('demo').map((k) => k.name),
      ['B_KEY'],
    );
    assert.strictEqual(await store.value('demo', 'B_KEY'), 'two');
    assert.strictEqual(await store.value('demo', 'A_KEY'), undefined);
    assert.strictEqual(await store.value('other', 'A_KEY'), 'other-value');
    await store.delete('demo', 'B_KEY');
    assert.deepStrictEqual(store.list('demo'), []);
    assert.strictEqual(secrets.map.has(secretKey('demo', 'B_KEY')), false);
  });

  it('does not rename onto an existing key', async () => {
    await store.add('demo', 'A_KEY', 'one');
    await store.add('demo', 'B_KEY', 'two');
    await assert.rejects(store.rename('demo', 'A_KEY', 'B_KEY'), /already exists/);
    assert.strictEqual(await store.value('demo', 'B_KEY'), 'two');
  });

  it('finds the key that holds a value, in any project', async () => {
    await store.add('demo', 'A_KEY', 'value-one');
    await store.add('other', 'B_KEY', 'value-two');
    assert.deepStrictEqual(await store.findByValue('value-two'), { project: 'other', name: 'B_KEY' });
    assert.strictEqual(await store.findByValue('value-three'), undefined);
  });

  it('serialises concurrent writes so none is lost', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.add('demo', `K_${i}`, `v${i}`)));
    assert.strictEqual(store.list('demo').length, 20);
  });

  it('warns, without refusing, when a value contradicts its name', async () => {
    const { warning } = await store.add('demo', 'STRIPE_SECRET_KEY', 'pk_live_' + 'x'.repeat(24));
    assert.match(warning ?? '', /publishable Stripe key/);
    assert.ok(!(warning ?? '').includes('pk_live_x'));
    const ok = await store.add('demo', 'STRIPE_SECRET_KEY', VALUE, { overwrite: true });
    assert.strictEqual(ok.warning, undefined);
  });
});
