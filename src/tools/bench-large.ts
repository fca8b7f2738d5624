import { join } from 'node:path';
import { loadSqlParser } from '../migrations/sql-parser';
import { openResultCache, resultCacheFileOfEnvironment, saveResultCache } from '../result-cache-file';
import { synthesize } from '../synthesize';
import { largeEstate } from './large-estate';

// One timed synthesis of a generated estate, as `npm run bench` runs it:
//   bench-large <root> <migrations per database> [databases per environment] [pending per database]
// The estate's SQL goes to <root>/repo; the Flux tree, runbooks and cdk8s dist/ to <root>/out,
// so a second run with the same root is a re-synthesis over an existing tree, as in a pull request.
// Prints {"databases", "migrations", "rendered", "milliseconds", "maxRssMiB", "files", "written"} as JSON.
async function main(): Promise<void> {
  const [root, migrations, databases = '1', pending] = process.argv.slice(2);
  const shape = { migrations: Number(migrations), databases: Number(databases), pending: pending === undefined ? undefined : Number(pending) };
  const estate = largeEstate(join(root, 'repo'), shape);
  const started = process.hrtime.bigint();
  // As src/main.ts: the results run-app keeps for this entry point.
  const cacheFile = resultCacheFileOfEnvironment();
  if (cacheFile === undefined || openResultCache(cacheFile) === 0) await loadSqlParser();
  const out = join(root, 'out');
  const outcome = await synthesize({ ...estate, fluxRoot: join(out, 'flux'), runbookRoot: join(out, 'runbooks'), outdir: join(out, 'dist') });
  saveResultCache();
  const milliseconds = Number(process.hrtime.bigint() - started) / 1e6;
  if (outcome.status !== 'written') throw new Error(`the large estate did not synthesize: ${outcome.status}`);
  const environments = estate.environments.length;
  process.stdout.write(`${JSON.stringify({
    databases: shape.databases * environments,
    migrations: shape.migrations * shape.databases * environments,
    rendered: (shape.pending ?? shape.migrations) * shape.databases * environments,
    milliseconds,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    files: outcome.files.length,
    written: outcome.changes.written.length,
  })}\n`);
}

void main();
