import { Guardrail } from '../rule';
import { statementFinding, statementsOf } from './sql-finding';

export const narrowingInExpand: Guardrail = {
  id: 'MIG011',
  title: 'Constraints on existing columns ship when the previous release complies',
  explanation: 'A new CHECK, foreign key, unique index or constraint on a column that already exists narrows what the previous release may write: while it still runs, its writes of a value the constraint rejects fail. In an expand migration that is only safe when the previous release never writes such values; in a contract it ships after the release that stopped writing them. Constraints on columns that this file, or an expand of the same release applied before it, adds are not reported: the previous release does not know those columns.',
  fix: 'make sure the previous release cannot write rejected values (then suppress with that reason), or move the constraint into the contract migration of the release after it',
  configField: 'migrations.applied',
  kinds: ['Migration'],
  check(migration, context) {
    if (migration.manifest.phase !== 'expand') return [];
    const { cluster, release } = migration.manifest;
    const earlier = context.ofKind('Migration').filter((other) => other.manifest.cluster === cluster);
    const sameRelease = new Set(earlier.slice(0, earlier.indexOf(migration))
      .filter((other) => other.manifest.release === release && other.manifest.phase === 'expand')
      .flatMap((other) => statementsOf(other).flatMap((statement) => statement.addsColumns ?? [])));
    return statementsOf(migration)
      .filter((statement) => statement.class === 'narrow' && !(statement.narrows ?? []).every((column) => sameRelease.has(column)))
      .map((statement) => statementFinding(migration, statement, `"${statement.description}" narrows what the previous release may write to ${[...new Set(statement.narrows)].join(', ')}: its writes of a rejected value fail until it is replaced`));
  },
};
