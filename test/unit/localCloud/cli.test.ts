import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { request, tempDir } from './helpers';
import { buildCli, runCli, startCli } from './cliProcess';

describe('cloudxlr cloud start', function () {
  this.timeout(30_000);
  before(() => buildCli());

  it('--help describes the flags and exits 0', () => {
    const r = runCli(['cloud', 'start', '--help']);
    assert.equal(r.status, 0);
    for (const flag of [
      '--port',
      '--host',
      '--data',
      '--project',
      '--token',
      '--allowed-host',
      'CLOUDXLR_TOKEN',
      'CLOUDXLR_MASTER_KEY',
      'CLOUDXLR_ALLOWED_HOSTS',
    ]) {
      assert.ok(r.stdout.includes(flag), flag);
    }
    assert.equal(runCli(['cloud', '--help']).status, 0);
  });

  it('rejects unknown options and bad ports with exit code 2', () => {
    const a = runCli(['cloud', 'start', '--bogus']);
    assert.equal(a.status, 2);
    assert.match(a.stderr, /Unknown option "--bogus"/);
    const b = runCli(['cloud', 'start', '--port', 'eighty']);
    assert.equal(b.status, 2);
    assert.match(b.stderr, /--port must be a number/);
    assert.equal(runCli(['cloud', 'stop']).status, 2);
  });

  it("prints its address and each new project's token once, then closes cleanly on SIGTERM", async () => {
    const dir = tempDir('cloudxlr-cli-');
    const first = await startCli(['--port', '0', '--data', dir, '--project', 'demo', '--project', 'shop']);
    assert.match(first.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const tokens = [...first.output().matchAll(/\n {2}(cxlr_\S+)/g)].map((m) => m[1]);
    assert.equal(tokens.length, 2, first.output());
    assert.equal(fs.readFileSync(path.join(dir, 'tokens', 'demo.token'), 'utf8').trim(), tokens[0]);
    assert.equal((await request(first.url, 'GET', '/v1/projects/demo/keys', { token: tokens[0] })).status, 200);
    assert.equal((await request(first.url, 'GET', '/v1/projects/shop/keys', { token: tokens[1] })).status, 200);
    first.proc.kill('SIGTERM');
    assert.equal(await first.exited, 0);
    assert.match(first.output(), /Local cloud closed\./);

    assert.match(
      first.output(),
      /^Clients: the connection's peer \(no --trusted-proxy; X-Forwarded-For is ignored\)$/m,
    );
    assert.match(
      first.output(),
      /^Rate limits, per node: read 1000\/s \(burst 20000\), write 200\/s \(burst 10000\), function 1000\/s \(burst 10000\), function-client 200\/s \(burst 5000\), auth-failure 1\/s \(burst 60\)$/m,
    );

    const second = await startCli([
      ...['--port', '0', '--data', dir, '--project', 'demo'],
      ...['--trusted-proxy', '10.0.0.0/8', '--trusted-proxy', '::1', '--rate-limit', 'write=5/s,burst=10'],
      ...['--rate-limit', 'function-client=off'],
    ]);
    assert.match(second.output(), /^Clients: X-Forwarded-For is read from the trusted proxies 10\.0\.0\.0\/8, ::1$/m);
    assert.match(second.output(), /write 5\/s \(burst 10\),.*function-client off,/);
    assert.ok(!second.output().includes('cxlr_'), 'a token is printed only on first start');
    assert.equal((await request(second.url, 'GET', '/v1/projects/demo/keys', { token: tokens[0] })).status, 200);
    second.proc.kill('SIGINT');
    assert.equal(await second.exited, 0);
  });

  it('starts unattended with --token or CLOUDXLR_TOKEN, logging requests without values', async () => {
    const dir = tempDir('cloudxlr-cli-');
    const a = await startCli([
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--data',
      dir,
      '--project',
      'demo',
      '--token',
      'launcher-token-1',
    ]);
    const health = await request(a.url, 'GET', '/v1/health');
    assert.equal(health.status, 200);
    await request(a.url, 'PUT', '/v1/projects/demo/keys/LOGGED', {
      token: 'launcher-token-1',
      body: { value: 'never-in-the-log' },
    });
    await a.waitForOutput(/PUT \/v1\/projects\/demo\/keys\/LOGGED 201/);
    assert.ok(!a.output().includes('never-in-the-log'));
    assert.ok(!a.output().includes('launcher-token-1'));
    a.proc.kill('SIGTERM');
    await a.exited;

    const b = await startCli(['--port', '0', '--data', dir], { CLOUDXLR_TOKEN: 'env-token-abc' });
    assert.equal((await request(b.url, 'GET', '/v1/projects/demo/keys', { token: 'env-token-abc' })).status, 200);
    b.proc.kill('SIGTERM');
    await b.exited;
  });

  it('explains a port in use and exits 1', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const r = runCli([
        'cloud',
        'start',
        '--port',
        String(port),
        '--data',
        tempDir('cloudxlr-cli-'),
        '--token',
        'some-token-1',
      ]);
      assert.equal(r.status, 1);
      assert.match(r.stderr, new RegExp(`Port ${port} on 127\\.0\\.0\\.1 is already in use`));
    } finally {
      blocker.close();
    }
  });
});
