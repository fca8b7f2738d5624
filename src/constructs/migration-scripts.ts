import { ApiObject } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { placeInFile } from '../flux/placement';
import { CHECKPOINT_SCRIPT, GATE_SCRIPT, RUN_SCRIPT } from '../migrations/scripts';

const SCRIPTS = { 'gate.sh': GATE_SCRIPT, 'checkpoint.sh': CHECKPOINT_SCRIPT, 'run.sh': RUN_SCRIPT };

/**
 * The gate, checkpoint and run scripts, rendered once per database and shared by all its
 * migration Jobs. The ConfigMap is immutable and named after its content, so a Job always runs
 * the scripts it was rendered with.
 */
export class MigrationScripts extends Construct {
  /** The ConfigMap the Jobs mount. */
  public readonly configMap: kplus.ConfigMap;

  /**
   * @param namePrefix prefixes the ConfigMap's name when several databases share the namespace,
   * so each database's Flux stage owns its own copy
   */
  constructor(scope: Construct, id: string, namePrefix = '') {
    super(scope, id);
    const digest = createHash('sha256').update(JSON.stringify(SCRIPTS)).digest('hex').slice(0, 8);
    this.configMap = new kplus.ConfigMap(this, 'Resource', {
      metadata: { name: `${namePrefix}cnpg-migration-scripts-${digest}`, labels: { 'app.kubernetes.io/managed-by': 'cnpg-gitops' } },
      immutable: true,
      data: SCRIPTS,
    });
    placeInFile(ApiObject.of(this.configMap), 'jobs/scripts.yaml');
  }
}
