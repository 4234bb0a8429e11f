import * as assert from 'assert';
import { recogniseProvider, valueShapeWarning } from '../../../src/keys/providers';
import { computeSyncStates } from '../../../src/keys/syncState';
import { keyNameProblem, suggestKeyName } from '../../../src/shared/names';
import { digestOf, maskTail } from '../../../src/shared/secretText';

describe('providers', () => {
  const cases: [string, string | undefined, string][] = [
    ['STRIPE_SECRET_KEY', undefined, 'stripe'],
    ['OPENAI_API_KEY', undefined, 'openai'],
    ['RESEND_API_KEY', undefined, 'resend'],
    ['GITHUB_TOKEN', undefined, 'github'],
    ['AWS_SECRET_ACCESS_KEY', undefined, 'aws'],
    ['MY_KEY', 'sk-ant-api03-' + 'x'.repeat(40), 'anthropic'],
    ['MY_KEY', 're_' + 'x'.repeat(30), 'resend'],
    ['MY_KEY', 'ghp_' + 'x'.repeat(36), 'github'],
    ['MY_KEY', 'hello', 'generic'],
  ];
  for (const [name, value, id] of cases) {
    it(`recognises ${name}${value ? ' from its value' : ''} as ${id}`, () =>
      assert.strictEqual(recogniseProvider(name, value).id, id));
  }
  it('warns when a secret-key name holds something else', () => {
    assert.match(valueShapeWarning('OPENAI_API_KEY', 'not-a-key') ?? '', /does not look like a OpenAI secret key/);
    assert.strictEqual(valueShapeWarning('OPENAI_API_KEY', 'sk-proj-' + 'a'.repeat(48)), undefined);
    assert.strictEqual(valueShapeWarning('AWS_REGION', 'us-east-1'), undefined);
    assert.match(valueShapeWarning('A_KEY', ' padded ') ?? '', /starts or ends with white space/);
    assert.match(valueShapeWarning('A_KEY', '   ') ?? '', /only white space/);
  });
});

describe('names and masking', () => {
  it('validates names as the vault does', () => {
    assert.strictEqual(keyNameProblem('STRIPE_SECRET_KEY'), undefined);
    assert.strictEqual(keyNameProblem('A'), undefined);
    assert.match(keyNameProblem('CLOUDXLR_X')!, /reserved/);
    assert.match(keyNameProblem('lower')!, /upper snake case/);
    assert.match(keyNameProblem('A'.repeat(129))!, /128/);
  });
  it('suggests names', () => {
    assert.strictEqual(suggestKeyName('stripe secret key'), 'STRIPE_SECRET_KEY');
    assert.strictEqual(suggestKeyName('openaiApiKey'), 'OPENAI_API_KEY');
    assert.strictEqual(suggestKeyName('9lives'), 'KEY_9LIVES');
  });
  it('masks without revealing short values', () => {
    assert.strictEqual(maskTail('short'), '••••');
    assert.strictEqual(maskTail('sk_live_abcdefghij4f2a'), '…4f2a');
  });
  it('digests as the contract says', () => {
    assert.strictEqual(digestOf('abc'), 'sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('sync states', () => {
  it('compares digests', () => {
    const cloud = [
      { name: 'SAME', version: 2, digest: digestOf('a'), updatedAt: '', usedBy: [] },
      { name: 'DIFF', version: 1, digest: digestOf('b'), updatedAt: '', usedBy: ['fn'] },
      { name: 'CLOUD', version: 1, digest: digestOf('c'), updatedAt: '', usedBy: [] },
    ];
    const local = new Map<string, string | undefined>([
      ['SAME', digestOf('a')],
      ['DIFF', digestOf('x')],
      ['LOCAL', digestOf('l')],
    ]);
    const rows = computeSyncStates(local, cloud);
    assert.deepStrictEqual(Object.fromEntries([...rows].map(([n, r]) => [n, r.state])), {
      SAME: 'synced',
      DIFF: 'differs',
      LOCAL: 'local-only',
      CLOUD: 'cloud-only',
    });
  });
});
