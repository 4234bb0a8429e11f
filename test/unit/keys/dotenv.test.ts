import * as assert from 'assert';
import { parseEnv, removeValues } from '../../../src/keys/dotenv';

describe('dotenv parsing', () => {
  it('reads the dotenv forms', () => {
    const text = [
      '# comment',
      'PLAIN=abc',
      'export EXPORTED=def',
      'SPACED = ghi   # trailing comment',
      'DOUBLE="a b\\nc"',
      "SINGLE='x # not a comment'",
      'MULTI="line1',
      'line2"',
      'EMPTY=',
      'garbage line',
      'HASH=abc#def',
    ].join('\n');
    const { entries, skippedLines } = parseEnv(text);
    const got = Object.fromEntries(entries.map((e) => [e.name, e.value]));
    assert.deepStrictEqual(got, {
      PLAIN: 'abc', EXPORTED: 'def', SPACED: 'ghi', DOUBLE: 'a b\nc', SINGLE: 'x # not a comment', MULTI: 'line1\nline2', EMPTY: '', HASH: 'abc#def',
    });
    assert.deepStrictEqual(skippedLines, [10]);
  });

  it('handles CRLF and an unterminated quote without taking the rest of the file', () => {
    const { entries, skippedLines } = parseEnv('A=1\r\nB="open\r\n');
    assert.deepStrictEqual(entries.map((e) => e.name), ['A']);
    assert.deepStrictEqual(skippedLines, [2]);
  });

  it('removes chosen values and keeps names, comments and the rest', () => {
    const text = '# keys\nexport STRIPE_SECRET_KEY=sk_test_123\nMULTI="a\nb"\nKEEP=1\n';
    const out = removeValues(text, new Set(['STRIPE_SECRET_KEY', 'MULTI']));
    assert.strictEqual(out, '# keys\nexport STRIPE_SECRET_KEY=\nMULTI=\nKEEP=1\n');
  });

  it('keeps CRLF line endings when rewriting', () => {
    assert.strictEqual(removeValues('A=1\r\nB=2\r\n', new Set(['A'])), 'A=\r\nB=2\r\n');
  });
});
