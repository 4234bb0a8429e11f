import { Route, type HealthResponse } from '../../api';
import { functionIsolation } from '../functions/runtime';
import type { Router } from '../router';
import { CLOUD_VERSION } from '../version';

export function registerHealthRoutes(router: Router): void {
  router.public('GET', Route.health, (ctx) => {
    const { level, network, summary } = functionIsolation();
    const body: HealthResponse = { status: 'ok', version: CLOUD_VERSION, isolation: { level, network, summary } };
    ctx.json(200, body);
  });
}
