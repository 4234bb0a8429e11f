import { Route, type HealthResponse } from '../../api';
import type { Router } from '../router';
import { CLOUD_VERSION } from '../version';

export function registerHealthRoutes(router: Router): void {
  router.public('GET', Route.health, (ctx) => {
    const body: HealthResponse = { status: 'ok', version: CLOUD_VERSION };
    ctx.json(200, body);
  });
}
