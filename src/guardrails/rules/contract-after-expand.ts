import { compareReleases } from '../../values/release';
import { catalogField, Finding, Guardrail, RenderedObject, RuleContext } from '../rule';
import { statementFinding, statementsOf } from './sql-finding';

/** A migration of a database's history and its place in it. */
interface Applied {
  readonly phase: string;
  readonly release: string;
  readonly index: number;
  /** The relations it creates and the columns (`table.column`) it adds, as written; settled migrations' SQL is not read. */
  readonly creates: readonly string[];
  readonly addsColumns: readonly string[];
}

/** Each database's history by migration id, settled migrations first, by cluster: once per evaluation, not once per contract. */
const histories = new WeakMap<RuleContext, Map<string, Map<string, Applied>>>();

function historyOf(cluster: string, context: RuleContext): ReadonlyMap<string, Applied> {
  let byCluster = histories.get(context);
  if (byCluster === undefined) {
    byCluster = new Map();
    const add = (cluster: string, { id, phase, release }: { id: string; phase: string; release: string }, migration?: RenderedObject) => {
      const history = byCluster!.get(cluster) ?? new Map<string, Applied>();
      const statements = migration === undefined ? [] : statementsOf(migration);
      if (!history.has(id)) {
        history.set(id, {
          phase,
          release,
          index: history.size,
          creates: statements.flatMap((statement) => statement.creates ?? []),
          addsColumns: statements.flatMap((statement) => statement.addsColumns ?? []),
        });
      }
      byCluster!.set(cluster, history);
    };
    for (const settled of context.ofKind('SettledMigrations')) {
      for (const migration of settled.manifest.migrations) add(settled.manifest.cluster, migration);
    }
    for (const migration of context.ofKind('Migration')) add(migration.manifest.cluster, migration.manifest, migration);
    histories.set(context, byCluster);
  }
  return byCluster.get(cluster) ?? new Map();
}

const tableOf = (column: string) => column.slice(0, column.lastIndexOf('.'));
/** `public.orders` and `orders` name the same table under the default search_path. */
const unqualified = (name: string) => name.replace(/^public\./, '');
const schemaOf = (relation: string) => (relation.includes('.') ? relation.slice(0, relation.indexOf('.')) : 'public');
/** Whether a removal (a relation, or `<schema>.*`: every relation of a schema) takes `relation` away. */
const takes = (removed: string, relation: string) => (removed.endsWith('.*') ? schemaOf(relation) === removed.slice(0, -2) : unqualified(removed) === unqualified(relation));

/**
 * What the contract removes that an expand of its own release or a later one added, whatever
 * `completes` names: a dropped, renamed or moved table, view or column, or every relation of a
 * schema dropped with CASCADE, with the columns a dropped table takes along and the tables a
 * dropped column was created with. The release of an expand uses what it
 * adds; a helper a migrate step creates and the contract drops in one release (a backfill's
 * progress table, a table swap) is used by no release, so it may go.
 */
function removalsOfItsRelease(contract: RenderedObject, history: ReadonlyMap<string, Applied>): Finding[] {
  const { release, completes } = contract.manifest;
  const own = history.get(contract.name)!;
  // The expand it completes is held to the same release order above.
  const sources = [...history].filter(([id, applied]) => applied.index < own.index && id !== completes && applied.phase === 'expand' && compareReleases(applied.release, release) >= 0);
  return statementsOf(contract).flatMap((statement) => {
    const removed = [
      ...(statement.removes ?? []).flatMap((removed) => sources.flatMap(([id, applied]) => [
        ...applied.creates.filter((created) => takes(removed, created)),
        ...applied.addsColumns.filter((column) => takes(removed, tableOf(column))),
      ].map((object) => ({ object, id, applied })))),
      ...(statement.removesColumns ?? []).map(unqualified).flatMap((column) => sources
        .filter(([, applied]) => applied.addsColumns.some((added) => unqualified(added) === column) || applied.creates.some((created) => unqualified(created) === tableOf(column)))
        .map(([id, applied]) => ({ object: column, id, applied }))),
    ];
    return removed.map(({ object, id, applied }) => statementFinding(contract, statement,
      `contract ${contract.name} (release ${release}) removes ${object}, which ${id} added in release ${applied.release}: a contract may only remove what an earlier release added, whatever completes names; give ${contract.name} a release after ${applied.release}, or move the removal to a later contract`));
  });
}

export const contractAfterExpand: Guardrail = {
  id: 'MIG004',
  title: 'A contract completes an expand applied in an earlier release',
  explanation: 'Expand/contract only protects the previous release if the contract ships strictly later than the expand it completes: the release in between is the one that moves every reader and writer to the new shape. The same holds for everything the contract removes (a dropped, renamed or moved table, view or column, or a schema dropped with CASCADE): an expand of the database that added it must belong to an earlier release, whichever expand completes names (a helper a migrate step creates for the contract of its own release to drop is used by no release).',
  fix: 'set completes on the contract migration to the id of its expand, give the contract a later release than its expand and than every migration that added what it removes, and apply the expand before it in migrations.applied',
  configField: 'migrations.applied',
  kinds: ['Migration'],
  check(migration, context) {
    const { phase, completes, release } = migration.manifest;
    if (phase !== 'contract') {
      return completes === undefined ? [] : [{ message: `${phase} migration ${migration.name} names completes, which only a contract may`, value: completes, ...catalogField(migration.name, 'completes') }];
    }
    // This database's history: other databases of the environment have their own.
    const history = historyOf(migration.manifest.cluster, context);
    const removals = removalsOfItsRelease(migration, history);
    if (completes === undefined) return [{ message: `contract migration ${migration.name} does not name the expand it completes`, value: undefined, ...catalogField(migration.name, 'completes') }, ...removals];
    const expand = history.get(completes);
    if (!expand) return [{ message: `contract ${migration.name} completes ${completes}, which this environment does not apply`, value: completes }, ...removals];
    const findings: Finding[] = [];
    if (expand.phase !== 'expand') findings.push({ message: `contract ${migration.name} completes ${completes}, which is a ${expand.phase} migration, not an expand`, value: completes, ...catalogField(migration.name, 'completes') });
    if (compareReleases(expand.release, release) >= 0) {
      findings.push({ message: `contract ${migration.name} ships in release ${release}, not after its expand ${completes} (release ${expand.release})`, value: release, ...catalogField(migration.name, 'release') });
    }
    if (expand.index > history.get(migration.name)!.index) {
      findings.push({ message: `contract ${migration.name} is applied before its expand ${completes}`, value: completes });
    }
    return [...findings, ...removals];
  },
};
