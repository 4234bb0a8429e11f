// The three commands read their options the same way. They used to disagree on a value that
// starts with a dash: `cloud start` took `--token -abc`, `deploy` refused `--project -x`, and
// `scan` took `--format -x` as the format.
import * as assert from 'assert';
import { UsageError } from '../../../src/cli/args';
import { parseStart } from '../../../src/cli/cloudCommand';
import { parseKeyCommand } from '../../../src/cli/cloudKeysCommand';
import { parseDeployArgs } from '../../../src/cli/deployCommand';
import { parseScanArgs } from '../../../src/cli/scanCommand';

describe('cli: options of every command', () => {
  it('takes a value that starts with a dash in the --name=value form, in every command', () => {
    const start = parseStart(['--token=-starts-with-a-dash', '--project', 'demo'], {});
    assert.ok(start !== 'help');
    assert.strictEqual(start.token, '-starts-with-a-dash');
    const deploy = parseDeployArgs(['--endpoint=-e', '--project=-p', 'hello']);
    assert.ok(deploy !== 'help');
    assert.deepStrictEqual([deploy.endpoint, deploy.project, deploy.names], ['-e', '-p', ['hello']]);
    assert.deepStrictEqual(parseScanArgs(['--format=json', '--', '-dash-named-file.js']), {
      paths: ['-dash-named-file.js'],
      format: 'json',
    });
  });

  it('refuses `--name -value` as ambiguous in every command, saying how to write it', () => {
    assert.throws(
      () => parseStart(['--token', '-abc'], {}),
      (e: Error) => e instanceof UsageError && /--token=-/.test(e.message),
    );
    assert.throws(
      () => parseDeployArgs(['--project', '-x']),
      (e: Error) => e instanceof UsageError && /--project=-/.test(e.message),
    );
    assert.match(String(parseScanArgs(['--format', '-x'])), /--format=-/);
  });

  it('names an unknown option and a missing value the same way everywhere', () => {
    assert.throws(() => parseStart(['--bogus'], {}), /Unknown option "--bogus"/);
    assert.throws(() => parseDeployArgs(['--bogus']), /Unknown option "--bogus"/);
    assert.match(String(parseScanArgs(['--bogus'])), /Unknown option "--bogus"/);
    assert.throws(() => parseStart(['--port'], {}), /--port <value>' argument missing/);
    assert.throws(() => parseDeployArgs(['--dir']), /--dir <value>' argument missing/);
    assert.match(String(parseScanArgs(['--format'])), /--format <value>' argument missing/);
  });

  it("keeps each command's defaults and checks", () => {
    assert.deepStrictEqual(parseStart([], { CLOUDXLR_TOKEN: 'from-env-123' }), {
      port: 8787,
      host: '127.0.0.1',
      data: '.cloudxlr/cloud',
      projects: ['demo'],
      allowedHosts: [],
      trustedProxies: [],
      rateLimits: {},
      previousKeyFiles: [],
      quiet: false,
      token: 'from-env-123',
    });
    assert.deepStrictEqual(
      parseStart(
        [
          '--project',
          'a',
          '--project=b',
          '--quiet',
          '--port=0',
          '--allowed-host',
          'keys.example.test',
          '--allowed-host=vault.example.test:8443',
          '--previous-key-file',
          'old.key',
        ],
        {},
      ),
      {
        port: 0,
        host: '127.0.0.1',
        data: '.cloudxlr/cloud',
        projects: ['a', 'b'],
        allowedHosts: ['keys.example.test', 'vault.example.test:8443'],
        trustedProxies: [],
        rateLimits: {},
        previousKeyFiles: ['old.key'],
        quiet: true,
      },
    );
    assert.throws(() => parseStart(['--port', '99999'], {}), /--port must be a number/);
    // A team cloud's database: the flag, else the environment (which keeps the password off the process list).
    const url = 'postgres://cloudxlr:pw@db.internal:5432/cloudxlr';
    assert.equal((parseStart(['--database', url], {}) as { database?: string }).database, url);
    assert.equal((parseStart([], { CLOUDXLR_DATABASE_URL: url }) as { database?: string }).database, url);
    assert.equal((parseStart([], { CLOUDXLR_DATABASE_URL: '' }) as { database?: string }).database, undefined);
    // Trusted proxies and rate limits: checked here, so a typo stops the start with its reason.
    const limited = parseStart(
      [
        '--trusted-proxy',
        '10.0.0.0/8',
        '--trusted-proxy=::1',
        '--rate-limit',
        'write=5/s,burst=20',
        '--rate-limit=function=off',
      ],
      {},
    );
    assert.ok(limited !== 'help');
    assert.deepStrictEqual(limited.trustedProxies, ['10.0.0.0/8', '::1']);
    assert.deepStrictEqual(limited.rateLimits, { write: { perSecond: 5, burst: 20 }, function: false });
    assert.throws(
      () => parseStart(['--trusted-proxy', 'lb.internal'], {}),
      /--trusted-proxy: "lb.internal" is not a proxy address/,
    );
    assert.throws(() => parseStart(['--rate-limit', 'writes=5/s'], {}), /--rate-limit "writes=5\/s" is not KIND=RATE/);
    assert.strictEqual(parseStart(['-h'], {}), 'help');
    assert.deepStrictEqual(
      parseKeyCommand(['--finish', '--previous-key-file=a.key', '--previous-key-file', 'b.key'], {
        CLOUDXLR_DATABASE_URL: url,
      }),
      { data: '.cloudxlr/cloud', database: url, previousKeyFiles: ['a.key', 'b.key'], finish: true },
    );
    assert.throws(() => parseKeyCommand(['--new-key'], {}), /Unknown option "--new-key"/);
    assert.strictEqual(parseDeployArgs(['--help']), 'help');
    assert.match(String(parseScanArgs(['--format=xml'])), /--format must be text, json or sarif/);
    assert.deepStrictEqual(parseScanArgs([]), { paths: [], format: 'text' });
  });
});
