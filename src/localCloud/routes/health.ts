import type { HealthResponse } from '../../cloud/types';
import type { Router } from '../router';
import { CLOUD_VERSION } from '../version';

export function registerHealthRoutes(router: Router): void {
  router.public('GET', '/v1/health', (ctx) => {
    const body: HealthResponse = { status: 'ok', version: CLOUD_VERSION };
    ctx.json(200, body);
  });
}
