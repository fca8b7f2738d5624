import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadSqlParser } from '../migrations/sql-parser';
import { synthesize } from '../synthesize';
import { largeEstate } from './large-estate';

// One timed synthesis of a generated estate, as `npm run bench` runs it: three environments,
// N migrations each, written to a scratch Flux tree, runbook folder and cdk8s dist/.
// Prints {"migrations", "milliseconds", "maxRssMiB", "files"} as JSON.
async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 300);
  // Beside the project, on its file system: what is measured is synthesis, not a scratch disk.
  mkdirSync('node_modules/.cache', { recursive: true });
  const root = mkdtempSync(join('node_modules/.cache', 'cnpg-large-'));
  try {
    const estate = largeEstate(root, count);
    const started = process.hrtime.bigint();
    await loadSqlParser();
    const outcome = synthesize({ ...estate, fluxRoot: join(root, 'flux'), runbookRoot: join(root, 'runbooks'), outdir: join(root, 'dist') });
    const milliseconds = Number(process.hrtime.bigint() - started) / 1e6;
    if (outcome.status !== 'written') throw new Error(`the large estate did not synthesize: ${outcome.status}`);
    const maxRssMiB = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(`${JSON.stringify({ migrations: count * 3, milliseconds, maxRssMiB, files: outcome.files.length })}\n`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

void main();
