import { compareReleases } from '../../values/release';
import { catalogField, Finding, Guardrail, RenderedObject, RuleContext } from '../rule';

/** Each database's history, settled migrations first, by cluster: once per evaluation, not once per contract. */
const histories = new WeakMap<RuleContext, Map<string, RenderedObject[]>>();

function historyOf(cluster: string, context: RuleContext): readonly RenderedObject[] {
  let byCluster = histories.get(context);
  if (byCluster === undefined) {
    byCluster = new Map();
    for (const object of [...context.ofKind('SettledMigration'), ...context.ofKind('Migration')]) {
      const history = byCluster.get(object.manifest.cluster) ?? [];
      history.push(object);
      byCluster.set(object.manifest.cluster, history);
    }
    histories.set(context, byCluster);
  }
  return byCluster.get(cluster) ?? [];
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
    const migrations = historyOf(migration.manifest.cluster, context);
    const expand = migrations.find((object) => object.name === completes);
    const findings: Finding[] = [];
    if (!expand) return [{ message: `contract ${migration.name} completes ${completes}, which this environment does not apply`, value: completes }];
    if (expand.manifest.phase !== 'expand') findings.push({ message: `contract ${migration.name} completes ${completes}, which is a ${expand.manifest.phase} migration, not an expand`, value: completes, ...catalogField(migration.name, 'completes') });
    if (compareReleases(expand.manifest.release, release) >= 0) {
      findings.push({ message: `contract ${migration.name} ships in release ${release}, not after its expand ${completes} (release ${expand.manifest.release})`, value: release, ...catalogField(migration.name, 'release') });
    }
    if (migrations.indexOf(expand) > migrations.indexOf(migration)) {
      findings.push({ message: `contract ${migration.name} is applied before its expand ${completes}`, value: completes });
    }
    return findings;
  },
};
