// Types for CloudXLR Cloud Functions: the handler's request and context.
//
// A function is a file `functions/<name>.ts|js` (or `functions/<name>/index.ts|js`) whose
// default export is the handler:
//
//   import type { Handler } from 'cloudxlr-functions';
//
//   const handler: Handler<{ amount: number }> = async (request, ctx) => {
//     const key = await ctx.secrets.get('STRIPE_SECRET_KEY');
//     return { ok: true };
//   };
//   export default handler;
//
// Key names passed to ctx.secrets.get must be string literals: the deploy reads them from
// the source to know, before the function runs, which keys it may read.
//
// Make your editor see these types with a tsconfig.json (or jsconfig.json) in the functions
// folder, pointing at this file in the installed extension or a copy in your project:
//
//   {
//     "compilerOptions": {
//       "target": "ES2022", "module": "commonjs", "strict": true, "noEmit": true,
//       "types": ["node"],
//       "paths": { "cloudxlr-functions": ["./cloudxlr-functions.d.ts"] }
//     },
//     "include": ["./**/*.ts"]
//   }
//
// (docs/functions.md has the details). In plain JavaScript, use a jsconfig.json with the same
// "paths" and JSDoc: /** @type {import('cloudxlr-functions').Handler} */

declare module 'cloudxlr-functions' {
  /** The HTTP request that triggered the function (or the payload of an Invoke). */
  export interface Request<Body = unknown> {
    /** "GET" or "POST" for the public trigger, "POST" for an Invoke. */
    method: string;
    /** Header names in lower case. */
    headers: Record<string, string>;
    /** The query string's parameters. */
    query: Record<string, string>;
    /** The parsed JSON body (a string for other content types, null when empty). */
    body: Body;
  }

  /** Reads the values of the keys this function references. */
  export interface Secrets {
    /**
     * The value of a key from the CloudXLR vault. `name` must be a string literal declared by
     * the deploy (found in the source); any other name rejects with an "undeclared" error.
     * "latest" references are resolved at each invocation, so a rotated key is used at once.
     */
    get(name: string): Promise<string>;
  }

  /** Writes to the function's logs. Key values are redacted before logs are stored. */
  export interface Logger {
    info(...args: unknown[]): void;
    warn(...args: unknown[]): void;
    error(...args: unknown[]): void;
  }

  export interface Context {
    secrets: Secrets;
    /** The plain (non-secret) settings of the function, from cloudxlr.json. */
    env: Readonly<Record<string, string>>;
    log: Logger;
    /** The id of this invocation, also in the logs and the X-Request-Id header. */
    requestId: string;
    functionName: string;
  }

  /**
   * A Cloud Function. Its return value is sent as JSON with status 200; a thrown error
   * becomes 500 {"error": {"code": "function_error", "message"}} (redacted).
   */
  export type Handler<Body = unknown, Result = unknown> = (
    request: Request<Body>,
    ctx: Context,
  ) => Promise<Result> | Result;
}
