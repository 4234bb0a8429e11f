// Every route module of the local cloud, registered in one place. To add a capability, write
// a module `(router: Router) => void` and add one line here.
import type { Router } from '../router';
import { registerAuditRoutes } from './audit';
import { registerHealthRoutes } from './health';
import { registerIdentityRoutes } from './identity';
import { registerKeyRoutes } from './keys';
import { registerFunctionRoutes } from '../functions/routes';

export type RouteModule = (router: Router) => void;

export const routeModules: RouteModule[] = [
  registerHealthRoutes,
  registerKeyRoutes,
  registerAuditRoutes,
  registerIdentityRoutes,
  registerFunctionRoutes,
];
