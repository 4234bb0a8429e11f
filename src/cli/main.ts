// Entry point of the `cloudxlr` command line. Each subcommand lives in its own module and is
// loaded only when used, so `cloudxlr scan` never loads the local cloud's SQLite driver.

export type Subcommand = { summary: string; load: () => Promise<{ run(argv: string[]): Promise<number> }> };

const subcommands: Record<string, Subcommand> = {
  cloud: { summary: 'Run the local CloudXLR cloud (cloudxlr cloud start).', load: () => import('./cloudCommand') },
  scan: { summary: 'Scan files for hardcoded secrets (exit 1 on findings).', load: () => import('./scanCommand') },
  deploy: { summary: 'Deploy Cloud Functions with key references.', load: () => import('./deployCommand') },
};

function usage(): string {
  const lines = Object.entries(subcommands).map(([name, s]) => `  cloudxlr ${name.padEnd(8)} ${s.summary}`);
  return ['Usage:', ...lines, '', "Run `cloudxlr <command> --help` for a command's options."].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h') {
    console.log(usage());
    return name ? 0 : 2;
  }
  const sub = subcommands[name];
  if (!sub) {
    console.error(`Unknown command "${name}".\n\n${usage()}`);
    return 2;
  }
  const mod = await sub.load();
  return mod.run(rest);
}

if (require.main === module || process.argv[1]?.endsWith('cloudxlr.js') || process.argv[1]?.endsWith('cli.js')) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 2;
    },
  );
}
