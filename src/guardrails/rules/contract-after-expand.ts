import { compareReleases } from '../../values/release';
import { catalogField, Finding, Guardrail, RuleContext } from '../rule';

/** A migration of a database's history and its place in it. */
interface Applied {
  readonly phase: string;
  readonly release: string;
  readonly index: number;
}

/** Each database's history by migration id, settled migrations first, by cluster: once per evaluation, not once per contract. */
const histories = new WeakMap<RuleContext, Map<string, Map<string, Applied>>>();

function historyOf(cluster: string, context: RuleContext): ReadonlyMap<string, Applied> {
  let byCluster = histories.get(context);
  if (byCluster === undefined) {
    byCluster = new Map();
    const add = (cluster: string, { id, phase, release }: { id: string; phase: string; release: string }) => {
      const history = byCluster!.get(cluster) ?? new Map<string, Applied>();
      if (!history.has(id)) history.set(id, { phase, release, index: history.size });
      byCluster!.set(cluster, history);
    };
    for (const settled of context.ofKind('SettledMigrations')) {
      for (const migration of settled.manifest.migrations) add(settled.manifest.cluster, migration);
    }
    for (const migration of context.ofKind('Migration')) add(migration.manifest.cluster, migration.manifest);
    histories.set(context, byCluster);
  }
  return byCluster.get(cluster) ?? new Map();
}

export const contractAfterExpand: Guardrail = {
  id: 'MIG004',
  title: 'A contract completes an expand applied in an earlier release',
  explanation: 'Expand/contract only protects the previous release if the contract ships strictly later than the expand it completes: the release in between is the one that moves every reader and writer to the new shape.',
  fix: 'set completes on the contract migration to the id of its expand, give the contract a later release, and apply the expand before it in migrations.applied',
  configField: 'migrations.applied',
  kinds: ['Migration'],
  check(migration, context) {
    const { phase, completes, release } = migration.manifest;
    if (phase !== 'contract') {
      return completes === undefined ? [] : [{ message: `${phase} migration ${migration.name} names completes, which only a contract may`, value: completes, ...catalogField(migration.name, 'completes') }];
    }
    if (completes === undefined) return [{ message: `contract migration ${migration.name} does not name the expand it completes`, value: undefined, ...catalogField(migration.name, 'completes') }];
    // This database's history: other databases of the environment have their own.
    const history = historyOf(migration.manifest.cluster, context);
    const expand = history.get(completes);
    const findings: Finding[] = [];
    if (!expand) return [{ message: `contract ${migration.name} completes ${completes}, which this environment does not apply`, value: completes }];
    if (expand.phase !== 'expand') findings.push({ message: `contract ${migration.name} completes ${completes}, which is a ${expand.phase} migration, not an expand`, value: completes, ...catalogField(migration.name, 'completes') });
    if (compareReleases(expand.release, release) >= 0) {
      findings.push({ message: `contract ${migration.name} ships in release ${release}, not after its expand ${completes} (release ${expand.release})`, value: release, ...catalogField(migration.name, 'release') });
    }
    if (expand.index > history.get(migration.name)!.index) {
      findings.push({ message: `contract ${migration.name} is applied before its expand ${completes}`, value: completes });
    }
    return findings;
  },
};
