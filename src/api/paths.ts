// Where each Cloud API resource lives. The client builds request paths with these, the local
// cloud registers its routes with the patterns, so the two cannot point at different places.

export const API_PREFIX = '/v1';

/** Route patterns, with `:project` and `:name` parameters, as the server matches them. */
export const Route = {
  health: `${API_PREFIX}/health`,
  /** 200 while the node can reach its database, else 503 with Retry-After (for load balancers). */
  ready: `${API_PREFIX}/ready`,
  keys: `${API_PREFIX}/projects/:project/keys`,
  key: `${API_PREFIX}/projects/:project/keys/:name`,
  audit: `${API_PREFIX}/projects/:project/audit`,
  functions: `${API_PREFIX}/projects/:project/functions`,
  function: `${API_PREFIX}/projects/:project/functions/:name`,
  rollback: `${API_PREFIX}/projects/:project/functions/:name/rollback`,
  invoke: `${API_PREFIX}/projects/:project/functions/:name/invoke`,
  logs: `${API_PREFIX}/projects/:project/functions/:name/logs`,
  /** The identity a token stands for, with its role and permissions. */
  me: `${API_PREFIX}/projects/:project/me`,
  members: `${API_PREFIX}/projects/:project/members`,
  member: `${API_PREFIX}/projects/:project/members/:id`,
  serviceTokens: `${API_PREFIX}/projects/:project/tokens`,
  serviceToken: `${API_PREFIX}/projects/:project/tokens/:id`,
  /** A function's public address: no token, CORS for browsers. */
  trigger: '/fn/:project/:name',
} as const;

const e = encodeURIComponent;

/** Request paths, every segment encoded. */
export const apiPath = {
  health: (): string => Route.health,
  ready: (): string => Route.ready,
  project: (project: string): string => `${API_PREFIX}/projects/${e(project)}`,
  keys: (project: string): string => `${apiPath.project(project)}/keys`,
  key: (project: string, name: string): string => `${apiPath.keys(project)}/${e(name)}`,
  audit: (project: string): string => `${apiPath.project(project)}/audit`,
  functions: (project: string): string => `${apiPath.project(project)}/functions`,
  function: (project: string, name: string): string => `${apiPath.functions(project)}/${e(name)}`,
  rollback: (project: string, name: string): string => `${apiPath.function(project, name)}/rollback`,
  invoke: (project: string, name: string): string => `${apiPath.function(project, name)}/invoke`,
  logs: (project: string, name: string): string => `${apiPath.function(project, name)}/logs`,
  me: (project: string): string => `${apiPath.project(project)}/me`,
  members: (project: string): string => `${apiPath.project(project)}/members`,
  member: (project: string, id: string): string => `${apiPath.members(project)}/${e(id)}`,
  serviceTokens: (project: string): string => `${apiPath.project(project)}/tokens`,
  serviceToken: (project: string, id: string): string => `${apiPath.serviceTokens(project)}/${e(id)}`,
};

/** The public address of a function: `{base}/fn/{project}/{name}`. */
export function functionUrl(baseUrl: string, project: string, name: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/fn/${e(project)}/${e(name)}`;
}
