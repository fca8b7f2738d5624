import { Chart, ChartProps } from 'cdk8s';
import { Construct } from 'constructs';
import { CnpgCluster, GuardedMigrationJob, CloneValidationRecord, MigrationScripts, PitrRestore, RecoveryTarget, ScheduledBackup, suppressGuardrail } from 'cnpg-gitops';

const CREATE_ORDERS = `CREATE TABLE orders (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id bigint NOT NULL,
  total_cents bigint NOT NULL CHECK (total_cents >= 0),
  created_at timestamptz NOT NULL DEFAULT now()
);
`;
const INDEX_CUSTOMER = 'CREATE INDEX orders_customer_id_idx ON orders (customer_id);\n';

/**
 * The records the staging clone's migration Jobs printed: production applies only SQL that ran,
 * byte for byte, on a clone of its data at most a week old (MIG006).
 */
const VALIDATED_ON_STAGING: Readonly<Record<string, CloneValidationRecord>> = {
  '0001-create-orders': { migration: '0001-create-orders', sqlSha256: 'sha256:432cca4356e57706d526141f900387cdf8f5bad0a69218eeb6c5118b6c7db5ba', validatedAt: '2026-11-20T09:12:44Z', clonedOn: '2026-11-18' },
  '0002-index-orders-customer': { migration: '0002-index-orders-customer', sqlSha256: 'sha256:1c60512b65b2c642f2fecddd1ddddb741838e061800c9fd969431e964782509d', validatedAt: '2026-11-20T09:13:02Z', clonedOn: '2026-11-18' },
};

function validatedOnStaging(migrationId: string) {
  return { environment: 'staging', cluster: 'orders-db', record: VALIDATED_ON_STAGING[migrationId], maxCloneAgeDays: 7 };
}

export interface OrdersChartProps extends ChartProps {
  /**
   * Where a point-in-time restore of the orders database stops, while one is needed: from the
   * checkpoint record of the migration to undo (see README.md).
   * @default - no restore
   */
  readonly restore?: RecoveryTarget;
}

/**
 * The orders service's database: a three-instance CNPG cluster spread over zones, archiving
 * to S3 through the Barman Cloud plugin, a daily base backup, two guarded migrations and,
 * while one is needed, a point-in-time restore with its verification Job.
 */
export class OrdersChart extends Chart {
  public readonly cluster: CnpgCluster;

  constructor(scope: Construct, id: string, props: OrdersChartProps = {}) {
    const { restore, ...chartProps } = props;
    super(scope, id, { namespace: 'shop', ...chartProps });

    const cluster = new CnpgCluster(this, 'Db', {
      name: 'orders-db',
      instances: 3,
      storageSize: '50Gi',
      retentionPolicy: '30d',
      resources: { requests: { cpu: '1', memory: '2Gi' }, limits: { memory: '2Gi' } },
      topologyKey: 'topology.kubernetes.io/zone',
      podAntiAffinityType: 'required',
      objectStore: {
        provider: 'aws-s3',
        destinationPath: 's3://acme-orders-backups/',
        credentials: { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/orders/s3' },
      },
      appCredentials: { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/orders/app' },
      migrator: { credentials: { clusterSecretStore: 'platform-secrets', remoteKey: 'cnpg/orders/migrator' } },
    });
    this.cluster = cluster;
    new ScheduledBackup(this, 'Nightly', { cluster, schedule: '0 0 3 * * *' });

    const scripts = new MigrationScripts(this, 'MigrationScripts', { cluster });
    const createOrders = new GuardedMigrationJob(this, 'CreateOrders', {
      cluster,
      scripts,
      sql: CREATE_ORDERS,
      downSql: 'DROP TABLE orders;\n',
      cloneValidation: validatedOnStaging('0001-create-orders'),
      migration: {
        id: '0001-create-orders',
        release: '1.0.0',
        phase: 'expand',
        rollback: { strategies: ['down-sql'], steps: 'run the down SQL: the table is new and empty before release 1.0.0 ships' },
      },
    });
    const indexCustomer = new GuardedMigrationJob(this, 'IndexCustomer', {
      cluster,
      scripts,
      after: createOrders,
      sql: INDEX_CUSTOMER,
      downSql: 'DROP INDEX orders_customer_id_idx;\n',
      cloneValidation: validatedOnStaging('0002-index-orders-customer'),
      migration: {
        id: '0002-index-orders-customer',
        release: '1.0.0',
        phase: 'expand',
        rollback: { strategies: ['down-sql'], steps: 'run the down SQL: queries by customer fall back to a scan of orders' },
      },
    });
    // LCK001 warns that a plain CREATE INDEX blocks writes to the table while it builds.
    suppressGuardrail(indexCustomer, { id: 'LCK001', reason: 'orders is created empty by 0001 in the same release: the index builds instantly' });

    if (restore) {
      new PitrRestore(this, 'Restore', {
        source: cluster,
        name: 'orders-db-restored',
        target: restore,
        assertions: [{ name: 'the orders table is there', sql: "SELECT count(*) FROM information_schema.tables WHERE table_name = 'orders'", expect: '1' }],
      });
    }
  }
}
