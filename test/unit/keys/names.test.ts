import * as assert from 'assert';
import { freeKeyName } from '../../../src/shared/names';

describe('key names', () => {
  it('proposes the name itself when free, else the first free numbered one', () => {
    assert.strictEqual(freeKeyName('STRIPE_SECRET_KEY', new Set(['OPENAI_API_KEY'])), 'STRIPE_SECRET_KEY');
    assert.strictEqual(freeKeyName('STRIPE_SECRET_KEY', new Set(['STRIPE_SECRET_KEY'])), 'STRIPE_SECRET_KEY_2');
    assert.strictEqual(
      freeKeyName('STRIPE_SECRET_KEY', new Set(['STRIPE_SECRET_KEY', 'STRIPE_SECRET_KEY_2'])),
      'STRIPE_SECRET_KEY_3',
    );
  });

  it('stays within 128 characters', () => {
    const long = 'K'.repeat(128);
    const free = freeKeyName(long, new Set([long]));
    assert.strictEqual(free.length, 128);
    assert.ok(free.endsWith('_2'));
  });
});
