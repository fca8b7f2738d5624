import { ENVIRONMENTS, MIGRATION_CATALOG } from './config';
import { loadSqlParser } from './migrations/sql-parser';
import { RUNBOOKS_ROOT } from './runbooks/rollback-runbook';
import { formatOutcome, synthesize } from './synthesize';

const FLUX_ROOT = 'flux';

async function main(): Promise<number> {
  try {
    await loadSqlParser();
    const outcome = await synthesize({
      environments: ENVIRONMENTS,
      migrations: MIGRATION_CATALOG,
      fluxRoot: FLUX_ROOT,
      runbookRoot: RUNBOOKS_ROOT,
      outdir: process.env.CDK8S_OUTDIR ?? 'dist',
      reportFile: process.env.GUARDRAIL_REPORT,
    });
    // cdk8s synth captures the app's stdout; the report goes to stderr so people see it.
    process.stderr.write(`${formatOutcome(outcome, FLUX_ROOT)}\n`);
    return outcome.status === 'written' ? 0 : 1;
  } catch (error) {
    process.stderr.write(`synthesis failed, ${FLUX_ROOT}/ is unchanged: ${(error as Error).message}\n`);
    return 1;
  }
}

void main().then((code) => { process.exitCode = code; });
