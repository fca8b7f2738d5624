import { Construct } from 'constructs';
import { addInvariants } from '../invariants';
import { CnpgCluster } from './cnpg-cluster';
import { Migration } from './guarded-migration-job';

export interface SettledMigrationsProps {
  /** The migrations as they were declared, in the order they were applied. */
  readonly migrations: readonly Migration[];
  /** The cluster they were applied to. */
  readonly cluster: CnpgCluster;
}

/**
 * The migrations of a database applied long ago and settled (`migrations.settledThrough`):
 * nothing is rendered for them any more, but guardrails still see them, so a contract can
 * complete an expand that settled and the expand/contract order holds across the whole history.
 * One construct for the whole history: a database may have settled thousands.
 */
export class SettledMigrations extends Construct {
  public readonly migrations: readonly Migration[];
  public readonly cluster: CnpgCluster;

  constructor(scope: Construct, id: string, props: SettledMigrationsProps) {
    super(scope, id);
    addInvariants(this);
    this.migrations = props.migrations;
    this.cluster = props.cluster;
  }

  /** Reviewed by the guardrails (kind `SettledMigrations`, one for the whole history), never written. */
  public reviewObjects(): { kind: string; name: string; manifest: unknown }[] {
    return [{ kind: 'SettledMigrations', name: this.cluster.name, manifest: { cluster: this.cluster.name, migrations: this.migrations } }];
  }
}
