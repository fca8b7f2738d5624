import { Construct } from 'constructs';
import { addInvariants } from '../invariants';
import { readOnlyQueryProblem } from '../migrations/read-only-query';
import { VERIFY_SCRIPT } from '../migrations/scripts';
import { CnpgCluster } from '../constructs/cnpg-cluster';
import { protectFromSubstitution } from '../constructs/flux-substitution';
import { jobContainer, JobVolume, onceJob, postgresConnection } from '../constructs/job-defaults';
import { PlainApiObject } from '../constructs/plain-api-object';
import { redactQuoted } from '../security/credentials';
import { sha256Of } from '../values/sha256';

const ASSERTIONS_DIR = '/assertions';

/** A SQL check the verification Job runs on the restored cluster. */
export interface RecoveryAssertion {
  /** What is checked, in a few words. */
  readonly name: string;
  /** A query returning one value, e.g. `SELECT count(*) FROM users`. */
  readonly sql: string;
  /** The value psql must print (unaligned, tuples only), e.g. `1`. */
  readonly expect: string;
}

export interface RecoveryVerificationJobProps {
  /** The restored cluster to check. */
  readonly cluster: CnpgCluster;
  /** The checks, in order: at least one, each exactly one read-only query. */
  readonly assertions: readonly RecoveryAssertion[];
}

/** `01-the-new-column-is-absent`: ordered, file-name-safe keys for the ConfigMap. */
function assertionKey(index: number, name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40);
  return `${String(index + 1).padStart(2, '0')}-${slug || 'assertion'}`;
}

/**
 * The session the assertions run in: every transaction read-only, so a query that would write
 * (through a function, say) fails instead of changing the restored data.
 */
export const VERIFICATION_SESSION = '-c default_transaction_read_only=on';

/**
 * The "verify recovery" step: a Job that runs SQL assertions against a restored cluster once
 * Flux sees it Ready, and fails loudly, listing every mismatch, when one does not hold. Each
 * assertion is one read-only query (checked with PostgreSQL's parser here), sent with `psql -c`
 * so psql interprets nothing in it, in a read-only session. It runs once (no retries, no TTL) in
 * a Pod Security "restricted" pod, with no Kubernetes API access.
 */
export class RecoveryVerificationJob extends Construct {
  public readonly jobName: string;

  constructor(scope: Construct, id: string, props: RecoveryVerificationJobProps) {
    super(scope, id);
    addInvariants(this);
    if (props.assertions.length === 0) throw new Error(`${this.node.path}: a verification needs at least one assertion: without one the Job proves nothing`);
    for (const assertion of props.assertions) {
      const problem = readOnlyQueryProblem(assertion.sql);
      if (problem !== undefined) throw new Error(redactQuoted(`${this.node.path}: the SQL of assertion "${assertion.name}" ${problem}`, assertion.sql));
    }
    this.jobName = `verify-${props.cluster.name}`;
    const labels = { 'cnpg-gitops.io/verifies': props.cluster.name, 'app.kubernetes.io/managed-by': 'cnpg-gitops' };
    const data: Record<string, string> = { 'verify.sh': VERIFY_SCRIPT };
    props.assertions.forEach((assertion, index) => {
      const key = assertionKey(index, assertion.name);
      data[`${key}.sql`] = assertion.sql;
      data[`${key}.expected`] = assertion.expect;
    });
    // Immutable, so named after its content: changed assertions are a new ConfigMap (the API server
    // refuses to change an immutable one's data), and the Job mounting it a changed Job, which Flux
    // re-creates (force). Under the old name the apply would fail and the Job never run again.
    const assertionsName = `${this.jobName}-${sha256Of(JSON.stringify(data)).slice(0, 8)}`;
    new PlainApiObject(this, 'Assertions', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: assertionsName, labels }, immutable: true, data });
    const volumes: JobVolume[] = [
      { path: ASSERTIONS_DIR, volume: { name: 'assertions', configMap: { name: assertionsName } }, readOnly: true },
      { path: '/tmp', volume: { name: 'tmp', emptyDir: {} } },
    ];
    onceJob(this, 'Job', {
      metadata: { name: this.jobName, labels, annotations: { 'kustomize.toolkit.fluxcd.io/force': 'enabled' } },
      podLabels: labels,
      activeDeadlineSeconds: 30 * 60,
      containers: [jobContainer({
        name: 'verify',
        image: props.cluster.imageName,
        command: ['sh', `${ASSERTIONS_DIR}/verify.sh`],
        env: {
          ...postgresConnection(props.cluster, this.jobName),
          PGOPTIONS: VERIFICATION_SESSION,
          ASSERTIONS_DIR,
          HOME: '/tmp',
        },
        volumes,
      })],
      volumes: volumes.map((mount) => mount.volume),
    });
    protectFromSubstitution(this, props.assertions.flatMap((assertion) => [assertion.sql, assertion.expect]));
  }
}
