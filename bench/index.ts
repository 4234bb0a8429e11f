// `npm run bench`: every benchmark of the project, each printing its figures beside a
// baseline measured in the same run. Run one with `npm run bench -- <name>`.
export {};
type Bench = { name: string; load: () => Promise<{ run(): Promise<void> }> };

const benches: Bench[] = [
  { name: 'storage', load: () => import('./storage') },
  { name: 'cloud', load: () => import('./cloud') },
  { name: 'team', load: () => import('./team') },
  { name: 'functions', load: () => import('./functions') },
  { name: 'lint', load: () => import('./lint') },
];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  for (const b of benches) {
    if (only.length && !only.includes(b.name)) continue;
    console.log(`\n=== ${b.name}`);
    await (await b.load()).run();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
