import { Route, type AuditResponse } from '../../api';
import { DEFAULT_AUDIT_LIMIT, MAX_AUDIT_LIMIT } from '../audit';
import { invalidRequest } from '../errors';
import type { Router } from '../router';

export function registerAuditRoutes(router: Router): void {
  router.project('GET', Route.audit, 'audit.read', async (ctx) => {
    const raw = ctx.query.get('limit');
    let limit = DEFAULT_AUDIT_LIMIT;
    if (raw !== null) {
      if (!/^[0-9]{1,9}$/.test(raw) || Number(raw) < 1) {
        throw invalidRequest(`The parameter "limit" must be a whole number from 1 to ${MAX_AUDIT_LIMIT}.`);
      }
      limit = Math.min(Number(raw), MAX_AUDIT_LIMIT);
    }
    const body: AuditResponse = { events: await ctx.storage.audit.list(ctx.project, limit) };
    ctx.json(200, body);
  });
}
