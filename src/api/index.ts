// The CloudXLR Cloud API, version 1, in one place: what the client (src/cloud), the local
// cloud (src/localCloud) and the deploy core (src/deploy) exchange. Documented in
// docs/cloud-api.md. Pure TypeScript: no `vscode`, no Node I/O.
export * from './errors';
export * from './keys';
export * from './functions';
export * from './identity';
export * from './paths';
export * from './shapes';
