// Which Node the editor's Start Local Cloud uses, and what it says when none fits. Probes real
// Node binaries from the registry (20: too old, 24: fits) as well as paths that are not Node.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findCloudNode, probeNodeVersion, type CloudNodeQuery } from '../../../src/cloud/cloudNode';
import { ensureNode } from '../../host/nodeRuntime';

const SETTING = 'cloudxlr.localCloud.nodePath';

function query(over: Partial<CloudNodeQuery>): CloudNodeQuery {
  return { setting: '', settingName: SETTING, hostExecPath: '/opt/editor/code', hostNodeVersion: '20.19.0', ...over };
}

describe('local cloud from the editor: finding Node', function () {
  this.timeout(60_000);

  it('uses the node of the setting when it is 22.13 or newer', async () => {
    const node24 = ensureNode(24).node;
    const r = await findCloudNode(query({ setting: node24 }));
    assert.deepStrictEqual(r, { ok: true, node: node24, version: ensureNode(24).version });
  });

  it('refuses a node of the setting that is too old, naming its version, where it came from and what to install', async () => {
    const node20 = ensureNode(20);
    const r = await findCloudNode(
      query({ setting: node20.node, hostExecPath: process.execPath, hostNodeVersion: '24.1.0' }),
    );
    assert.strictEqual(r.ok, false);
    const message = r.ok ? '' : r.message;
    assert.match(
      message,
      new RegExp(`needs Node\\.js 22\\.13 or newer; found Node\\.js ${node20.version.replace(/\./g, '\\.')}`),
    );
    assert.ok(message.includes(node20.node) && message.includes(SETTING), message);
    assert.match(message, /Install Node\.js 24 LTS/);
    assert.doesNotMatch(message, /data directory/i);
  });

  it('says when the setting points at nothing, or at something that is not Node', async () => {
    const missing = await findCloudNode(query({ setting: path.join(os.tmpdir(), 'no-such-node-here') }));
    assert.match(missing.ok ? '' : missing.message, /points at no Node\.js at ".*no-such-node-here"/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cloudxlr-fake-node-'));
    const fake = path.join(dir, 'node');
    fs.writeFileSync(fake, '#!/bin/sh\necho "segmentation fault" >&2\nexit 139\n', { mode: 0o755 });
    try {
      const broken = await findCloudNode(query({ setting: fake }));
      assert.match(broken.ok ? '' : broken.message, /did not answer as Node\.js does/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("uses the extension host's own Node when it is a real node that fits, without probing", async () => {
    const r = await findCloudNode(
      query({
        hostExecPath: '/srv/vscode-server/node',
        hostNodeVersion: '22.15.0',
        probe: () => Promise.reject(new Error('probed')),
      }),
    );
    assert.deepStrictEqual(r, { ok: true, node: '/srv/vscode-server/node', version: '22.15.0' });
  });

  it('otherwise uses node on PATH when it fits, and explains when it is too old or missing', async () => {
    const host = { hostExecPath: '/opt/editor/code', hostNodeVersion: '22.15.0' }; // Electron: not a node to run
    const probed: string[] = [];
    const fits = await findCloudNode(query({ ...host, probe: async (n) => (probed.push(n), '24.22.3') }));
    assert.deepStrictEqual(fits, { ok: true, node: 'node', version: '24.22.3' });
    assert.deepStrictEqual(probed, ['node']);
    const old = await findCloudNode(query({ ...host, probe: async () => '20.20.2' }));
    assert.match(
      old.ok ? '' : old.message,
      /found Node\.js 20\.20\.2 \(the node on your PATH\).*set cloudxlr\.localCloud\.nodePath/,
    );
    const none = await findCloudNode(
      query({ ...host, probe: () => Promise.reject(new Error('no Node.js at "node"')) }),
    );
    assert.match(none.ok ? '' : none.message, /no “node” on your PATH\. Install Node\.js 24 LTS/);
  });

  it('probes a real node for its version', async () => {
    assert.strictEqual(await probeNodeVersion(ensureNode(20).node), ensureNode(20).version);
  });
});
