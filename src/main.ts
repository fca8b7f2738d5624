import { ENVIRONMENTS } from './config';
import { formatOutcome, synthesize } from './synthesize';

const FLUX_ROOT = 'flux';

try {
  const outcome = synthesize({
    environments: ENVIRONMENTS,
    fluxRoot: FLUX_ROOT,
    outdir: process.env.CDK8S_OUTDIR ?? 'dist',
    reportFile: process.env.GUARDRAIL_REPORT,
  });
  // cdk8s synth captures the app's stdout; the report goes to stderr so people see it.
  process.stderr.write(`${formatOutcome(outcome, FLUX_ROOT)}\n`);
  process.exitCode = outcome.status === 'written' ? 0 : 1;
} catch (error) {
  process.stderr.write(`synthesis failed, ${FLUX_ROOT}/ is unchanged: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
