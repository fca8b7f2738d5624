import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { addInvariants } from '../invariants';
import { sha256Of } from '../values/sha256';
import { GATE_SCRIPT, LEDGER_SCRIPT, RUN_SCRIPT, RUN_SQL } from '../migrations/scripts';
import { CnpgCluster } from './cnpg-cluster';
import { PlainApiObject } from './plain-api-object';

const SCRIPTS = { 'ledger.sh': LEDGER_SCRIPT, 'gate.sh': GATE_SCRIPT, 'run.sh': RUN_SCRIPT, 'run.sql': RUN_SQL };

export interface MigrationScriptsProps {
  /** The cluster whose migration Jobs mount the scripts. */
  readonly cluster: CnpgCluster;
}

/**
 * The ledger, gate and run scripts, rendered once per database and shared by all its migration
 * Jobs. The ConfigMap is immutable and named after the cluster and its content, so a Job always
 * runs the scripts it was rendered with, and databases sharing a namespace never share it.
 */
export class MigrationScripts extends Construct {
  /** The ConfigMap the Jobs mount. */
  public readonly configMap: ApiObject;

  constructor(scope: Construct, id: string, props: MigrationScriptsProps) {
    super(scope, id);
    addInvariants(this);
    const digest = sha256Of(JSON.stringify(SCRIPTS)).slice(0, 8);
    this.configMap = new PlainApiObject(this, 'Resource', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `${props.cluster.name}-migration-scripts-${digest}`, labels: { 'app.kubernetes.io/managed-by': 'cnpg-gitops' } },
      immutable: true,
      data: SCRIPTS,
    });
  }
}
