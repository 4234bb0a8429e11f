// The sample app (samples/checkout-app) end to end: its function is deployed from the
// repository's sources, calls the fake provider on loopback with the key from the vault, and
// uses a rotated key without a redeploy; the page's origin gets CORS.
import * as assert from 'assert';
import * as fs from 'fs';
import type { Server } from 'http';
import * as path from 'path';
import { CloudClient } from '../../../src/cloud/client';
import { deployFunctions, describeOutcome } from '../../../src/deploy';
import { parseProjectFile } from '../../../src/project/projectFile';
import { PROJECT, startTestCloud, TOKEN, type TestCloud } from '../functions/helpers';
import { HOST_LOOPBACK_ENV, hostLoopbackFor, probeIsolation } from '../../../src/localCloud/functions/runtime';

const SAMPLE = path.resolve(__dirname, '../../../../samples/checkout-app');

describe('deploy: the checkout sample app', function () {
  this.timeout(60_000);
  let t: TestCloud;
  let provider: Server;
  let client: CloudClient;

  // The fake provider listens on the host's loopback, which sandboxed functions reach only
  // through the gateway, and only when the operator allows it.
  const loopbackBefore = process.env[HOST_LOOPBACK_ENV];
  before(async () => {
    process.env[HOST_LOOPBACK_ENV] = '1';
    t = await startTestCloud();
    client = new CloudClient({ endpoint: t.url, project: PROJECT, token: TOKEN });
    const { startFakeProvider } = require(path.join(SAMPLE, 'fake-provider.js')) as {
      startFakeProvider(port: number): Promise<Server>;
    };
    provider = await startFakeProvider(0);
  });
  after(async () => {
    if (loopbackBefore === undefined) delete process.env[HOST_LOOPBACK_ENV];
    else process.env[HOST_LOOPBACK_ENV] = loopbackBefore;
    client.dispose();
    await t.close();
    await new Promise((r) => provider.close(r));
  });

  it('deploys create-checkout and serves a page origin with the key from the vault', async () => {
    await t.putKey('STRIPE_SECRET_KEY', 'sk_test_sample_first_AAAA');
    const file = parseProjectFile(fs.readFileSync(path.join(SAMPLE, 'cloudxlr.json'), 'utf8'));
    const port = (provider.address() as { port: number }).port;
    file.functions['create-checkout']!.env.PROVIDER_URL =
      `http://${hostLoopbackFor(probeIsolation({ nodePath: process.execPath, mode: 'auto' }).info)}:${port}`;
    const [o] = await deployFunctions(
      { root: SAMPLE, functionsDir: file.functionsDir, functions: file.functions },
      ['create-checkout'],
      {
        cloud: client,
        local: { names: async () => ['STRIPE_SECRET_KEY'], value: async () => 'sk_test_sample_first_AAAA' },
      },
    );
    assert.strictEqual(o.status, 'deployed', describeOutcome(o));

    const call = async (): Promise<{
      status: number;
      cors: string | null;
      body: { id?: string; total?: number; error?: { code: string } };
    }> => {
      const res = await fetch(`${t.url}/fn/${PROJECT}/create-checkout`, {
        method: 'POST',
        headers: { Origin: 'http://127.0.0.1:5173', 'Content-Type': 'application/json' },
        body: JSON.stringify({ currency: 'usd', items: [{ name: 'Coffee beans', cents: 1250, quantity: 2 }] }),
      });
      return {
        status: res.status,
        cors: res.headers.get('access-control-allow-origin'),
        body: (await res.json()) as never,
      };
    };
    const first = await call();
    assert.strictEqual(first.status, 200, JSON.stringify(first.body));
    assert.strictEqual(first.cors, '*');
    assert.match(first.body.id ?? '', /^cs_test_/);
    assert.strictEqual(first.body.total, 2500);

    // A key the provider refuses, then a good one again: each is used at once, no redeploy.
    await t.putKey('STRIPE_SECRET_KEY', 'rk_live_not_accepted_BBBB');
    const refused = await call();
    assert.strictEqual(refused.status, 502);
    assert.strictEqual(refused.body.error?.code, 'function_error');
    await t.putKey('STRIPE_SECRET_KEY', 'sk_test_sample_third_CCCC');
    assert.strictEqual((await call()).status, 200);
    const logs = await client.functionLogs('create-checkout', 50);
    assert.ok(logs.some((l) => l.message.includes('checkout session created')));
  });
});
