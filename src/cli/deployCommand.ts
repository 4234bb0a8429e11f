// Placeholder until the deploy capability lands.
export async function run(_argv: string[]): Promise<number> {
  console.error('cloudxlr deploy: not available yet.');
  return 2;
}
