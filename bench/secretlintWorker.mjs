// Runs inside the secretlint 13 baseline (its own Node 24 and node_modules, in a cache folder):
// lints the files listed in argv[2] with @secretlint/core and the recommended preset, and prints
// one JSON line with the CPU and wall time spent linting (startup and imports excluded).
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { lintSource } from '@secretlint/core';
import { creator as preset } from '@secretlint/secretlint-rule-preset-recommend';

const files = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const budgetMs = Number(process.argv[3] ?? 90000);
const config = { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: preset }] };
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

let bytes = 0;
let messages = 0;
let count = 0;
const wall0 = performance.now();
const cpu0 = cpu();
for (const filePath of files) {
  const content = readFileSync(filePath, 'utf8');
  const r = await lintSource({
    source: { filePath, content, ext: extname(filePath), contentType: 'text' },
    options: { config, maskSecrets: true },
  });
  messages += r.messages.length;
  bytes += Buffer.byteLength(content);
  count++;
  if (performance.now() - wall0 > budgetMs) break; // keeps the bench short; MB/s stays comparable
}
console.log(
  JSON.stringify({
    node: process.version,
    files: count,
    bytes,
    messages,
    cpuMs: cpu() - cpu0,
    wallMs: performance.now() - wall0,
  }),
);
