import { Route, type HealthResponse, type ReadyResponse } from '../../api';
import { unavailable } from '../errors';
import { functionIsolation } from '../functions/runtime';
import type { Router } from '../router';
import { CLOUD_VERSION } from '../version';

/** How long readiness waits for the database before it answers 503. */
const PING_TIMEOUT_MS = 2000;

export function registerHealthRoutes(router: Router): void {
  // Alive: the process answers, whatever the database does (a restart is not a reason to kill it).
  router.public('GET', Route.health, (ctx) => {
    const { level, network, summary } = functionIsolation();
    const body: HealthResponse = { status: 'ok', version: CLOUD_VERSION, isolation: { level, network, summary } };
    ctx.json(200, body);
  });

  // Ready: the node can serve requests now, that is, its database answers.
  router.public('GET', Route.ready, async (ctx) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([ctx.storage.ping(), timeout]);
    } catch {
      throw unavailable();
    } finally {
      clearTimeout(timer);
    }
    const body: ReadyResponse = { status: 'ready', storage: ctx.storage.engine };
    ctx.json(200, body);
  });
}
