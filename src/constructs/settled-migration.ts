import { Construct } from 'constructs';
import { MigrationConfig } from '../config/types';

/**
 * A migration applied long ago and settled (`migrations.settledThrough`): nothing is rendered for
 * it any more, but guardrails still see it, so a contract can complete an expand that settled
 * and the expand/contract order holds across the whole history.
 */
export class SettledMigration extends Construct {
  constructor(scope: Construct, id: string, private readonly migration: MigrationConfig, private readonly clusterName: string) {
    super(scope, id);
  }

  /** Reviewed by the guardrails (kind `SettledMigration`), never written. */
  public reviewObject(): { kind: string; name: string; manifest: unknown } {
    const { id, release, phase, completes } = this.migration;
    return { kind: 'SettledMigration', name: id, manifest: { id, release, phase, completes, cluster: this.clusterName } };
  }
}
