import { MIGRATION_LABEL } from '../../names';
import { disablesTimeout } from '../../values/pg-duration';
import { catalogField, Finding, Guardrail, RenderedObject } from '../rule';
import { statementFinding, statementsOf } from './sql-finding';

/** The catalog field behind each timeout the runner sets. */
const CATALOG_FIELDS = { lock_timeout: 'lockTimeout', statement_timeout: 'statementTimeout' } as const;

/** The timeouts a migration Job's PGOPTIONS (`-c name=value ...`) switch off, as the server reads the values. */
function disabledInJob(job: RenderedObject): Finding[] {
  const migration = job.manifest.metadata?.labels?.[MIGRATION_LABEL];
  if (migration === undefined) return [];
  const spec = job.manifest.spec?.template?.spec ?? {};
  const options = new Set<string>([...(spec.initContainers ?? []), ...(spec.containers ?? [])]
    .flatMap((container: any) => container.env ?? [])
    .filter((variable: any) => variable.name === 'PGOPTIONS' && typeof variable.value === 'string')
    .map((variable: any) => variable.value));
  return [...options].flatMap((value) => [...value.matchAll(/-c\s*(lock_timeout|statement_timeout)=(\S+)/g)]
    .filter(([, , setting]) => disablesTimeout(setting))
    .map(([, name, setting]): Finding => ({
      message: `migration ${migration} runs with ${name}=${setting}, which is no timeout at all: statements can wait for locks (and block every query queued behind them) forever`,
      value: setting,
      ...catalogField(migration, CATALOG_FIELDS[name as keyof typeof CATALOG_FIELDS]),
    })));
}

export const timeoutsKept: Guardrail = {
  id: 'LCK005',
  title: 'Migration SQL keeps its lock and statement timeouts',
  explanation: 'The runner sets lock_timeout and statement_timeout (PGOPTIONS) so a migration waiting for a lock fails fast instead of queueing every other query behind it. A value of 0 removes that protection, however it is spelled: PostgreSQL reads 0, \'0s\', \'0ms\', \'0 min\', 0.4 and \'499us\' alike (rounded to whole milliseconds). SQL that sets a timeout to 0, and a catalog lockTimeout or statementTimeout of 0, are reported; RESET and SET ... TO DEFAULT return to the runner\'s values and are fine.',
  fix: 'remove the SET, or set a bounded value; raise the migration\'s lockTimeout/statementTimeout in the catalog instead (never to 0)',
  configField: 'migrations.applied',
  kinds: ['Migration', 'Job'],
  check(object) {
    if (object.kind === 'Job') return disabledInJob(object);
    return statementsOf(object)
      .filter((statement) => statement.disablesTimeout)
      .map((statement) => statementFinding(object, statement, `${statement.disablesTimeout} is set to 0: statements can wait for locks (and block every query queued behind them) forever; keep the runner's value or set a bounded one`));
  },
};
