import { strict as assert } from 'assert';
import { PERMISSIONS, ROLE_PERMISSIONS } from '../../../src/api';
import { Router } from '../../../src/localCloud';
import { ANY_IDENTITY } from '../../../src/localCloud/router';
import { routeModules } from '../../../src/localCloud/routes';
import { describeEachEngine, errorOf, request, startTestCloud, type TestCloud } from './helpers';

describe('identities: every project route names one permission', () => {
  it('each project route has exactly one permission, or is /me', () => {
    const router = new Router();
    for (const register of routeModules) register(router);
    const project = router.list().filter((r) => r.auth);
    assert.ok(project.length >= 12, `only ${project.length} project routes`);
    for (const r of project) {
      assert.ok(
        r.permission === ANY_IDENTITY || PERMISSIONS.includes(r.permission as never),
        `${r.methods.join(',')} ${r.pattern} names no permission`,
      );
      if (r.permission === ANY_IDENTITY) assert.equal(r.pattern, '/v1/projects/:project/me');
    }
  });
});

describeEachEngine('identities: the project token', (engine) => {
  let t: TestCloud;
  before(async function () {
    this.timeout(60_000);
    t = await startTestCloud({ engine });
  });
  after(() => t?.close());

  it('is an owner: /me answers its identity and permissions', async () => {
    const me = await request(t.cloud.url, 'GET', '/v1/projects/demo/me', { token: t.tokens.demo });
    assert.equal(me.status, 200);
    assert.equal(me.json.project, 'demo');
    assert.equal(me.json.identity.kind, 'project-token');
    assert.equal(me.json.identity.role, 'owner');
    assert.match(me.json.identity.id, /^tok_/);
    assert.deepEqual(me.json.identity.permissions, [...ROLE_PERMISSIONS.owner]);
  });

  it('/me answers 401 for another project’s token, like every project route', async () => {
    const me = await request(t.cloud.url, 'GET', '/v1/projects/demo/me', { token: t.tokens.other });
    assert.equal(me.status, 401);
    assert.equal(errorOf(me).code, 'unauthorized');
  });
});
