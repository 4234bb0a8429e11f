// Who a token stands for: `/me` answers any identity of the project its own role and permissions.
import { Route, type MeResponse } from '../../api';
import { ANY_IDENTITY, type Router } from '../router';

export function registerIdentityRoutes(router: Router): void {
  router.project('GET', Route.me, ANY_IDENTITY, (ctx) => {
    const { project, ...identity } = ctx.principal;
    const body: MeResponse = { project, identity };
    ctx.json(200, body);
  });
}
