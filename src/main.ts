import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ENVIRONMENTS, MIGRATION_CATALOG } from './config';
import { loadSqlParser } from './migrations/sql-parser';
import { openResultCache, resultCacheFileOfEnvironment, saveResultCache } from './result-cache-file';
import { RUNBOOKS_ROOT } from './runbooks/rollback-runbook';
import { exitCode, stopOnSignals } from './stop-on-signals';
import { synthesize } from './synthesize';
import { formatOutcome } from './report';

const FLUX_ROOT = 'flux';
/** cdk8s's manifests. Not cdk8s's output directory: `cdk8s synth` deletes that before the app runs. */
const DIST = 'dist';

/** cdk8s synth lists (and validation plugins read) the manifests in its own output directory. */
function showToCdk8s(outdir: string | undefined): void {
  if (outdir === undefined || resolve(outdir) === resolve(DIST)) return;
  mkdirSync(outdir, { recursive: true });
  for (const name of readdirSync(DIST).filter((entry) => entry.endsWith('.k8s.yaml'))) copyFileSync(join(DIST, name), join(outdir, name));
}

async function main(): Promise<number> {
  const signal = stopOnSignals();
  try {
    // run-app.mjs names the file of results kept across runs (src/result-cache.ts). With every
    // SQL result in it, the parser is not loaded at all; a miss then parses in a worker thread.
    const cacheFile = resultCacheFileOfEnvironment();
    if (cacheFile === undefined || openResultCache(cacheFile) === 0) await loadSqlParser();
    const outcome = await synthesize({
      environments: ENVIRONMENTS,
      migrations: MIGRATION_CATALOG,
      fluxRoot: FLUX_ROOT,
      runbookRoot: RUNBOOKS_ROOT,
      outdir: DIST,
      reportFile: process.env.GUARDRAIL_REPORT,
      signal,
    });
    // cdk8s synth captures the app's stdout; the report goes to stderr so people see it.
    process.stderr.write(`${formatOutcome(outcome)}\n`);
    if (outcome.status === 'written') showToCdk8s(process.env.CDK8S_OUTDIR);
    saveResultCache();
    return await exitCode(signal, outcome.status === 'written' ? 0 : 1);
  } catch (error) {
    process.stderr.write(`synthesis failed before it began: ${(error as Error).message}; nothing was written\n`);
    return 1;
  }
}

void main().then((code) => { process.exitCode = code; });
