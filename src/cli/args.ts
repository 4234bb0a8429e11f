// Command-line options of every `cloudxlr` command, parsed by Node's own parseArgs so the
// commands agree on the details: `--name value` and `--name=value`, `--` before paths, and a
// value that starts with a dash given as `--name=-value` (a bare `--name -value` is refused as
// ambiguous rather than read either way).
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** The options and positionals of `argv`; a UsageError with Node's explanation when they do not parse. */
export function parseCommandLine<O extends Options>(argv: readonly string[], options: O, allowPositionals: boolean) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals });
  } catch (e) {
    throw new UsageError(usageMessage(e));
  }
}

/** Node's explanation, with the option named the way every command's messages name it. */
function usageMessage(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const quoted = /'([^']*)'/.exec(err.message ?? '')?.[1]?.slice(0, 40);
  if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted !== undefined)
    return `Unknown option "${quoted}". A path or name that starts with a dash goes after "--".`;
  if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && quoted !== undefined)
    return `Unexpected argument "${quoted}": this command takes options only.`;
  return (err.message ?? 'The options could not be read.').split('\n').join(' ');
}

/**
 * Runs a command's option parser: its arguments, or the exit code once `--help` was printed (0)
 * or a UsageError was explained with the help after it (2).
 */
export function parseOrExit<T>(parse: () => T | 'help', help: string): T | { exit: number } {
  let args: T | 'help';
  try {
    args = parse();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${e.message}\n\n${help}`);
    return { exit: 2 };
  }
  if (args !== 'help') return args;
  console.log(help);
  return { exit: 0 };
}
