// esbuild, as WebAssembly, running inside this process.
//
// Why esbuild-wasm: esbuild's native package installs one binary for the platform it was
// installed on, so a .vsix packaged on Linux could not bundle on macOS or Windows. The wasm
// build is the same file everywhere.
//
// Why its browser entry point: esbuild-wasm's Node entry point starts a child process by
// running `node` from PATH, which an editor's extension host does not guarantee (VS Code runs
// extensions in its own Electron binary). The browser entry point runs the same wasm in this
// thread; it is loaded here with `self` bound to this realm's global object (no global is
// changed), and given the wasm module read from the installed package. It has no file system
// of its own, so bundling reads files through the plugin in bundle.ts.
import * as fs from 'fs';
import * as path from 'path';
import type * as Esbuild from 'esbuild-wasm';

export type EsbuildApi = Pick<typeof Esbuild, 'build' | 'transform'>;

let loading: Promise<EsbuildApi> | undefined;

/** The in-process esbuild, initialised once per process. */
export function loadEsbuild(): Promise<EsbuildApi> {
  loading ??= (async () => {
    const browserJs = require.resolve('esbuild-wasm/lib/browser.js');
    const wasmFile = path.join(path.dirname(browserJs), '..', 'esbuild.wasm');
    const mod: { exports: Record<string, unknown> } = { exports: {} };
    // The package's own file, evaluated with `self` as a parameter rather than a global.
    // Its Go runtime polyfills `fs` on a copy of `self` unless `self.fs` exists; a global `fs`
    // (as under `node -e`) must not be taken for that polyfill and patched, so it is hidden.
    const hidden = new Set<PropertyKey>(['fs']);
    const self = new Proxy(globalThis, {
      get: (t, k) => (hidden.has(k) ? undefined : Reflect.get(t, k)),
      has: (t, k) => !hidden.has(k) && Reflect.has(t, k),
      ownKeys: (t) => Reflect.ownKeys(t).filter((k) => !hidden.has(k)),
    });
    new Function('self', 'module', 'exports', fs.readFileSync(browserJs, 'utf8'))(self, mod, mod.exports);
    const api = mod.exports as unknown as typeof Esbuild;
    // WebAssembly is a global of every Node.js; the project's ES2022 lib only lacks its typing.
    const wasm = (globalThis as unknown as { WebAssembly: { Module: new (bytes: Uint8Array) => unknown } }).WebAssembly;
    const wasmModule = new wasm.Module(await fs.promises.readFile(wasmFile));
    await api.initialize({ wasmModule: wasmModule as never, worker: false });
    return api;
  })();
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}
