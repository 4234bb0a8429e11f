// Placeholder until the scan capability lands.
export async function run(_argv: string[]): Promise<number> {
  console.error('cloudxlr scan: not available yet.');
  return 2;
}
