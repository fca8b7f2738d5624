import { Construct } from 'constructs';
import { addInvariants } from '../invariants';
import { CnpgCluster } from './cnpg-cluster';
import { Migration } from './guarded-migration-job';

export interface SettledMigrationProps {
  /** The migration as it was declared. */
  readonly migration: Migration;
  /** The cluster it was applied to. */
  readonly cluster: CnpgCluster;
}

/**
 * A migration applied long ago and settled (`migrations.settledThrough`): nothing is rendered for
 * it any more, but guardrails still see it, so a contract can complete an expand that settled
 * and the expand/contract order holds across the whole history.
 */
export class SettledMigration extends Construct {
  public readonly migration: Migration;
  public readonly cluster: CnpgCluster;

  constructor(scope: Construct, id: string, props: SettledMigrationProps) {
    super(scope, id);
    addInvariants(this);
    this.migration = props.migration;
    this.cluster = props.cluster;
  }

  /** Reviewed by the guardrails (kind `SettledMigration`), never written. */
  public reviewObject(): { kind: string; name: string; manifest: unknown } {
    const { id, release, phase, completes } = this.migration;
    return { kind: 'SettledMigration', name: id, manifest: { id, release, phase, completes, cluster: this.cluster.name } };
  }
}
