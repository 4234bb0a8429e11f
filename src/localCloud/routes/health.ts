import type { HealthResponse } from '../../cloud/types';
import { functionIsolation } from '../functions/runtime';
import type { Router } from '../router';
import { CLOUD_VERSION } from '../version';

export function registerHealthRoutes(router: Router): void {
  router.public('GET', '/v1/health', (ctx) => {
    const { level, network, summary } = functionIsolation();
    const body: HealthResponse = { status: 'ok', version: CLOUD_VERSION, isolation: { level, network, summary } };
    ctx.json(200, body);
  });
}
