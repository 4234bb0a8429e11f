import { strict as assert } from 'assert';
import { ROLE_PERMISSIONS, type IdentityInfo } from '../../../src/api';
import {
  deniedEverywhere,
  identityLabel,
  identityTooltip,
  refusal,
  serviceTokenNameProblem,
  SERVICE_TOKEN_PRESETS,
  teamCloudAddressProblem,
  tokenKind,
} from '../../../src/cloud/roles';

const member = (role: 'owner' | 'developer' | 'viewer'): IdentityInfo => ({
  id: `mem_${role}`,
  kind: 'member',
  name: `${role}@example.com`,
  role,
  permissions: [...ROLE_PERMISSIONS[role]],
});

describe('roles in the editor', () => {
  it('names who is signed in and the role', () => {
    assert.equal(identityLabel(member('developer')), 'developer@example.com · developer');
    assert.equal(
      identityLabel({ id: 'tok_1', kind: 'project-token', name: 'project token', role: 'owner', permissions: [] }),
      'project token · owner',
    );
    const tip = identityTooltip('demo', member('viewer'));
    assert.match(tip, /^Signed in to project demo as viewer@example.com, role viewer\./);
    assert.match(tip, /May: list keys, list functions, read function logs\./);
    assert.match(tip, /May not: write keys, deploy functions, invoke functions/);
  });

  it('refuses what the role lacks, naming the role, in the cloud’s own words', () => {
    assert.equal(
      refusal('demo', member('viewer'), 'keys.write'),
      'Your role in project demo is viewer, which cannot write keys. Ask an owner of the project.',
    );
    assert.equal(
      refusal('demo', member('developer'), 'tokens.manage'),
      'Your role in project demo is developer, which cannot manage service tokens. Ask an owner of the project.',
    );
    assert.equal(refusal('demo', member('developer'), 'functions.deploy'), undefined);
    assert.equal(refusal('demo', member('owner'), 'tokens.manage'), undefined);
    // A cloud without identities decides by itself.
    assert.equal(refusal('demo', undefined, 'keys.write'), undefined);
  });

  it('hides a command only when no signed-in identity may run it', () => {
    assert.deepEqual(deniedEverywhere([]), []);
    assert.deepEqual(deniedEverywhere([member('viewer')]), [
      'keys.write',
      'functions.deploy',
      'functions.invoke',
      'audit.read',
      'members.manage',
      'tokens.manage',
    ]);
    assert.deepEqual(deniedEverywhere([member('viewer'), member('developer')]), ['members.manage', 'tokens.manage']);
    assert.deepEqual(deniedEverywhere([member('viewer'), undefined]), []);
  });

  it('tells tokens apart by prefix', () => {
    assert.equal(tokenKind('cxlr_svc_abc'), 'service');
    assert.equal(tokenKind('cxlr_mem_abc'), 'member');
    assert.equal(tokenKind('cxlr_abc'), 'project');
    assert.equal(tokenKind('anything'), 'project');
  });

  it('accepts https team clouds and loopback http, refuses plain http elsewhere and addresses with credentials', () => {
    assert.equal(teamCloudAddressProblem('https://cloud.example.com'), undefined);
    assert.equal(teamCloudAddressProblem('https://cloud.example.com/cloudxlr'), undefined);
    assert.equal(teamCloudAddressProblem('http://127.0.0.1:8787'), undefined);
    assert.equal(teamCloudAddressProblem('http://localhost:8787'), undefined);
    assert.match(teamCloudAddressProblem('http://cloud.example.com')!, /Use https:\/\/ for a cloud on another machine/);
    assert.match(teamCloudAddressProblem('cloud.example.com')!, /is not an address/);
    assert.match(teamCloudAddressProblem('ftp://cloud.example.com')!, /not an http\(s\) address/);
    assert.match(teamCloudAddressProblem('https://me:secret@cloud.example.com')!, /without a user, password/);
  });

  it('service token names and presets', () => {
    assert.equal(serviceTokenNameProblem('github-actions/checkout-app'), undefined);
    assert.match(serviceTokenNameProblem('')!, /empty/);
    assert.equal(serviceTokenNameProblem('ci deploy'), undefined);
    assert.match(serviceTokenNameProblem('a\u0007b')!, /control characters/);
    assert.match(serviceTokenNameProblem('x'.repeat(101))!, /at most 100/);
    assert.equal(SERVICE_TOKEN_PRESETS[0]!.label, 'Deploy only');
    assert.ok(!SERVICE_TOKEN_PRESETS[0]!.permissions.includes('keys.write'));
    assert.ok(!SERVICE_TOKEN_PRESETS[0]!.permissions.includes('functions.invoke'));
  });
});
