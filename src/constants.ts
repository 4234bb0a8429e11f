// Every identifier the extension shares with package.json lives here, so the two cannot
// drift: test/unit/manifest.test.ts compares them.

export const CATEGORY = 'CloudXLR';
export const OUTPUT_CHANNEL_NAME = 'CloudXLR';
export const PROJECT_FILE = 'cloudxlr.json';

export const ViewId = {
  container: 'cloudxlr',
  keys: 'cloudxlr.keys',
  functions: 'cloudxlr.functions',
} as const;

export const CommandId = {
  // API Keys view
  addKey: 'cloudxlr.addKey',
  editKey: 'cloudxlr.editKey',
  renameKey: 'cloudxlr.renameKey',
  deleteKey: 'cloudxlr.deleteKey',
  copyValue: 'cloudxlr.copyValue',
  copyName: 'cloudxlr.copyName',
  importEnv: 'cloudxlr.importEnv',
  refreshKeys: 'cloudxlr.refreshKeys',
  filterKeys: 'cloudxlr.filterKeys',
  clearFilter: 'cloudxlr.clearFilter',
  initProject: 'cloudxlr.initProject',
  showLog: 'cloudxlr.showLog',
  // Cloud sync
  signIn: 'cloudxlr.signIn',
  signOut: 'cloudxlr.signOut',
  signInToTeamCloud: 'cloudxlr.signInToTeamCloud',
  createServiceToken: 'cloudxlr.createServiceToken',
  listServiceTokens: 'cloudxlr.listServiceTokens',
  startLocalCloud: 'cloudxlr.startLocalCloud',
  stopLocalCloud: 'cloudxlr.stopLocalCloud',
  pushKey: 'cloudxlr.pushKey',
  pushAllKeys: 'cloudxlr.pushAllKeys',
  deleteKeyFromCloud: 'cloudxlr.deleteKeyFromCloud',
  // Linter
  scanWorkspace: 'cloudxlr.scanWorkspace',
  moveToApiKeys: 'cloudxlr.moveToApiKeys',
  // Functions
  newFunction: 'cloudxlr.newFunction',
  deployFunction: 'cloudxlr.deployFunction',
  deployAll: 'cloudxlr.deployAll',
  invokeFunction: 'cloudxlr.invokeFunction',
  showFunctionLogs: 'cloudxlr.showFunctionLogs',
  rollbackFunction: 'cloudxlr.rollbackFunction',
  deleteFunction: 'cloudxlr.deleteFunction',
  refreshFunctions: 'cloudxlr.refreshFunctions',
} as const;

export const SettingId = {
  cloudEndpoint: 'cloudxlr.cloud.endpoint',
  clipboardClearSeconds: 'cloudxlr.clipboard.clearAfterSeconds',
  localCloudDataDir: 'cloudxlr.localCloud.dataDirectory',
  localCloudNodePath: 'cloudxlr.localCloud.nodePath',
  lintEnabled: 'cloudxlr.lint.enabled',
  lintSeverity: 'cloudxlr.lint.severity',
  lintIgnore: 'cloudxlr.lint.ignore',
} as const;

/** Context keys used in `when` clauses. */
export const ContextKey = {
  hasKeys: 'cloudxlr.hasKeys',
  filtered: 'cloudxlr.keysFiltered',
  /** Some workspace folder names its project in a cloudxlr.json. */
  projectDeclared: 'cloudxlr.projectDeclared',
  signedIn: 'cloudxlr.signedIn',
  /**
   * Prefix of one key per permission, e.g. `cloudxlr.denied.keys.write`: true when no signed-in
   * project's identity has that permission, so menus hide what the role cannot do.
   */
  deniedPrefix: 'cloudxlr.denied.',
  localCloudRunning: 'cloudxlr.localCloudRunning',
  /** Paths of function entry files (and folders of index-file functions), for explorer menus. */
  functionFiles: 'cloudxlr.functionFiles',
} as const;

/** Storage keys. The index and the token key hold no key values. */
export const StorageKey = {
  /** globalState: the index of key names and metadata (never values). */
  keyIndex: 'cloudxlr.keyIndex.v1',
  /** SecretStorage prefix of a key value: `cloudxlr.value/<project>/<NAME>`. */
  valuePrefix: 'cloudxlr.value/',
  /** SecretStorage prefix of a cloud token: `cloudxlr.token/<endpoint>/<project>`. */
  tokenPrefix: 'cloudxlr.token/',
  /** workspaceState: the last request body of each function's Invoke (never one holding a key value). */
  invokeBodies: 'cloudxlr.invokeBodies.v1',
} as const;

export const DIAGNOSTIC_SOURCE = 'CloudXLR';
/** Name of the linter's diagnostic collection. */
export const DIAGNOSTIC_COLLECTION = 'cloudxlr';
export const DEFAULT_CLOUD_ENDPOINT = 'http://127.0.0.1:8787';
