// `cloudxlr deploy [names…]`: deploys Cloud Functions from a workspace folder, for CI. The same
// steps as the editor's Deploy command (src/deploy), printed one per line. Key values are
// never read here: the linter's rules scan the function's sources, the cloud's own
// secret_in_bundle check guards the upload, and missing keys stop the deploy with their names.
import * as fs from 'fs';
import * as path from 'path';
import { CloudClient } from '../cloud/client';
import { DEFAULT_CLOUD_ENDPOINT, PROJECT_FILE } from '../constants';
import { deployFunctions, describeOutcome, engineLeakGuard, type DeployOutcome } from '../deploy';
import { describeProblem, fatalSummary, parseProjectFile, projectConfigOf } from '../project/projectFile';
import { errorMessage } from '../shared/errorMessage';
import { parseCommandLine } from './args';

const HELP = `Usage: cloudxlr deploy [names…] [options]

Deploys the Cloud Functions of a workspace folder (all of them when no name is given):
bundles each one, finds the keys it reads with ctx.secrets.get("NAME"), checks they exist
in the cloud, and uploads the code with the key references. Key values are never uploaded
with a function; the cloud refuses a bundle that contains one.

Options:
  --dir DIR          The folder holding ${PROJECT_FILE} (default: the current folder).
  --project NAME     The project (default: "project" in ${PROJECT_FILE}).
  --endpoint URL     The cloud (default: CLOUDXLR_ENDPOINT, else ${DEFAULT_CLOUD_ENDPOINT}).
  -h, --help         Show this help.

Environment:
  CLOUDXLR_TOKEN     The project's token (required).
  CLOUDXLR_ENDPOINT  Same as --endpoint.

Exit status: 0 when every function was deployed, 1 when any was refused (missing keys,
a key value in the code, invalid references, a bundling error), 2 for a usage or setup
problem (no token, no ${PROJECT_FILE}, the cloud unreachable).`;

interface Args {
  names: string[];
  dir: string;
  project?: string;
  endpoint?: string;
}

/** The options and function names of `deploy`; throws a UsageError for anything else. */
export function parseDeployArgs(argv: readonly string[]): Args | 'help' {
  const { values, positionals } = parseCommandLine(
    argv,
    {
      dir: { type: 'string' },
      project: { type: 'string' },
      endpoint: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    true,
  );
  if (values.help) return 'help';
  const out: Args = { names: positionals, dir: path.resolve(values.dir ?? process.cwd()) };
  if (values.project !== undefined) out.project = values.project;
  if (values.endpoint !== undefined) out.endpoint = values.endpoint;
  return out;
}

export async function run(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let args: Args | 'help';
  try {
    args = parseDeployArgs(argv);
  } catch (e) {
    console.error(`cloudxlr deploy: ${errorMessage(e)}\n\n${HELP}`);
    return 2;
  }
  if (args === 'help') {
    console.log(HELP);
    return 0;
  }

  const projectFile = path.join(args.dir, PROJECT_FILE);
  let text: string;
  try {
    text = fs.readFileSync(projectFile, 'utf8');
  } catch {
    console.error(`cloudxlr deploy: no ${PROJECT_FILE} in ${args.dir}. Run it in your workspace folder or pass --dir.`);
    return 2;
  }
  const file = parseProjectFile(text);
  const config = projectConfigOf(file);
  if (!config) {
    console.error(`cloudxlr deploy: ${fatalSummary(file)}`);
    return 2;
  }
  for (const p of file.problems) console.error(`warning: ${describeProblem(p)}`);

  const token = env.CLOUDXLR_TOKEN;
  if (!token) {
    console.error(
      "cloudxlr deploy: set CLOUDXLR_TOKEN to the project's token (for the local cloud it is printed at first start and saved in its tokens/ folder).",
    );
    return 2;
  }
  const endpoint = args.endpoint ?? env.CLOUDXLR_ENDPOINT ?? DEFAULT_CLOUD_ENDPOINT;
  const project = args.project ?? config.project;
  // Node's own fetch: node-fetch 2 (the editor's default, for its proxy support) calls the
  // deprecated url.parse, which Node 24 reports with a DeprecationWarning on every deploy.
  const client = new CloudClient({
    endpoint,
    project,
    token,
    timeoutMs: 60_000,
    fetch: (url, init) => fetch(url, init),
  });
  console.log(`Deploying from ${path.join(args.dir, config.functionsDir)} to project ${project} at ${endpoint}`);

  let outcomes: DeployOutcome[];
  try {
    outcomes = await deployFunctions(
      { root: args.dir, functionsDir: config.functionsDir, functions: config.functions },
      args.names,
      {
        cloud: client,
        // No local values in CI: the linter's rules guard the sources, the cloud checks values.
        ...engineLeakGuard(),
        onProgress: (p) => console.log(`${p.function ? `[${p.function}] ` : ''}${p.step}: ${p.message}`),
      },
    );
  } catch (e) {
    console.error(`cloudxlr deploy: ${errorMessage(e)}`);
    return 2;
  } finally {
    client.dispose();
  }

  if (outcomes.length === 0) {
    console.log(
      `No functions in ${config.functionsDir}/. Add functions/<name>.ts exporting an async (request, ctx) handler.`,
    );
    return 0;
  }
  console.log('');
  for (const o of outcomes) (o.status === 'deployed' ? console.log : console.error)(describeOutcome(o, args.dir));
  const failed = outcomes.filter((o) => o.status !== 'deployed');
  // A cloud that could not be reached is a setup problem, not a refused deploy.
  if (
    failed.some(
      (o) =>
        (o.status === 'error' || o.status === 'cloud-refused') &&
        (o.code === 'unreachable' || o.code === 'timeout' || o.code === 'unauthorized'),
    )
  )
    return 2;
  console.log(`\n${outcomes.length - failed.length} deployed, ${failed.length} not deployed.`);
  return failed.length ? 1 : 0;
}
