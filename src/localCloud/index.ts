// The local CloudXLR cloud's public surface.
export {
  startLocalCloud,
  StartError,
  DEFAULT_HOST,
  DEFAULT_PORT,
  type LocalCloud,
  type LocalCloudOptions,
  type CreatedToken,
} from './server';
export {
  Router,
  type CloudServices,
  type RouteContext,
  type ProjectRouteContext,
  type Handler,
  type Method,
  type RoutePermission,
  ANY_IDENTITY,
} from './router';
export type { Principal } from './tokens';
export { routeModules, type RouteModule } from './routes';
export {
  ApiError,
  validationError,
  invalidRequest,
  notFound,
  unauthorized,
  forbidden,
  payloadTooLarge,
} from './errors';
export { Vault } from './vault';
export type { Storage } from './storage';
export { MAX_BODY_BYTES } from './http';
