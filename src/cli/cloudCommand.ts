// Placeholder until the cloud capability lands.
export async function run(_argv: string[]): Promise<number> {
  console.error('cloudxlr cloud: not available yet.');
  return 2;
}
