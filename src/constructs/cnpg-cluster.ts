import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { addInvariants } from '../invariants';
import {
  Cluster,
  ClusterSpecBootstrap,
  ClusterSpecResourcesLimits,
  ClusterSpecResourcesRequests,
} from '../../imports/cnpg-postgresql.cnpg.io';
import { ClusterConfig, CredentialsConfig, ExternalSecretConfig, ObjectStoreConfig } from '../config/types';
import { FLUX_KEEP_WHEN_REMOVED } from '../names';
import { RecoveryTarget } from '../values/recovery-target';
import { BARMAN_CLOUD_PLUGIN, DEFAULT_POSTGRES_IMAGE } from './barman-cloud-plugin';
import { BarmanObjectStore, PROVIDED_BY_REPOSITORY } from './barman-object-store';
import { credentialsSecret } from './external-secret-credentials';

/**
 * Bootstrap SQL (superuser, application database) of a cluster with a migrator: the role, a
 * member of the database owner so what it creates can be owned by the owner, and the two
 * superuser-only functions a migration's checkpoint needs, granted to it alone (clusters run
 * without superuser access). Clones and restores inherit both with the data; a cluster
 * bootstrapped before this existed needs the grants once, by hand (docs/migrations.md).
 */
export function migratorBootstrapSql(role: string, owner: string): string[] {
  return [
    `CREATE ROLE "${role}" LOGIN IN ROLE "${owner}"`,
    `GRANT EXECUTE ON FUNCTION pg_catalog.pg_create_restore_point(text) TO "${role}"`,
    `GRANT EXECUTE ON FUNCTION pg_catalog.pg_switch_wal() TO "${role}"`,
  ];
}

/** The role migration Jobs log in as, instead of the application's. */
export interface MigratorProps {
  /**
   * Name of the PostgreSQL role.
   * @default 'migrator'
   */
  readonly role?: string;
  /**
   * Where its password comes from (property `password`); rendered as the basic-auth Secret
   * `<cluster>-migrator` unless an existing Secret is named.
   */
  readonly credentials: CredentialsConfig;
}

/** Name of the external cluster a recovery reads from. */
const RECOVERY_SOURCE = 'origin';

/** Where a new cluster is bootstrapped from, instead of an empty `initdb`. */
export interface RecoverySource {
  /** The cluster whose object store holds the base backups and WAL to recover. */
  readonly cluster: CnpgCluster;
  /**
   * Read-only credentials for that object store, as seen from this cluster's namespace
   * (a clone in another environment).
   * @default - read through the source's own ObjectStore (same namespace)
   */
  readonly credentials?: ExternalSecretConfig;
  /**
   * Where recovery stops.
   * @default - the end of the archived WAL (the latest state)
   */
  readonly recoveryTarget?: RecoveryTarget;
  /**
   * Existing basic-auth Secret with the application credentials, e.g. the source's when the
   * restored cluster is to replace it.
   * @default - `appCredentials`, else the operator generates `<name>-app`
   */
  readonly appSecretName?: string;
}

export interface CnpgClusterProps extends Omit<ClusterConfig, 'storageSize'> {
  /**
   * Size of each instance's data volume, e.g. `20Gi`. Volumes can grow, never shrink.
   * @default - the source's, when recovering from another cluster; otherwise required
   */
  readonly storageSize?: string;
  /**
   * The object store WAL and base backups are archived to: settings for a new `ObjectStore`, or
   * an existing one to share (the cluster then archives into its own `serverName` folder of it).
   */
  readonly objectStore: Omit<ObjectStoreConfig, 'serverName'> | BarmanObjectStore;
  /**
   * Recovery window of this cluster's backups and WAL (`^[1-9][0-9]*[dwm]$`).
   * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/retention/
   */
  readonly retentionPolicy: string;
  /**
   * Folder below the store's `destinationPath` this cluster archives into.
   * @default - the cluster name
   */
  readonly serverName?: string;
  /**
   * Application credentials from an external secret store (property `password`).
   * @default - the operator generates `<name>-app` inside the cluster
   */
  readonly appCredentials?: CredentialsConfig;
  /**
   * A dedicated role for schema migrations: a member of the owner, managed by CNPG
   * (`managed.roles`), the only role allowed to create restore points and switch WAL segments.
   * @default - no migrator: the cluster cannot run GuardedMigrationJobs
   * @see https://cloudnative-pg.io/documentation/1.30/declarative_role_management/
   */
  readonly migrator?: MigratorProps;
  /**
   * Bootstrap by recovering another cluster's archive (to its latest WAL) instead of `initdb`.
   * @default - a new, empty database
   * @see https://cloudnative-pg.io/documentation/1.30/recovery/
   */
  readonly recoverFrom?: RecoverySource;
}

/**
 * A CloudNativePG `Cluster` that continuously archives WAL and base backups through the
 * Barman Cloud plugin into its own `ObjectStore`. It never renders the deprecated native
 * `barmanObjectStore`, keeps superuser access off unless asked, and always names its
 * archive folder (`serverName`) explicitly.
 * @see https://cloudnative-pg.io/documentation/1.30/
 */
export class CnpgCluster extends Construct {
  /** `metadata.name` of the Cluster. */
  public readonly name: string;
  public readonly namespace: string;
  public readonly instances: number;
  /** Host of the read-write service (the primary). */
  public readonly readWriteServiceHost: string;
  /** Host of the read-only service (the replicas). */
  public readonly readOnlyServiceHost: string;
  /** Application database and its owner role. */
  public readonly database: string;
  public readonly owner: string;
  /** Basic-auth Secret with the application credentials. */
  public readonly appSecretName: string;
  /** The role migrations run as, when the cluster has one. */
  public readonly migratorRole?: string;
  /** Basic-auth Secret with the migrator's credentials, when the cluster has one. */
  public readonly migratorSecretName?: string;
  /** Secret with the CA that signs the server certificate (`ca.crt`), created by the operator. */
  public readonly caSecretName: string;
  /** The object store this cluster archives into. */
  public readonly objectStore: BarmanObjectStore;
  /** Folder below the object store's `destinationPath` that holds this cluster's archive. */
  public readonly serverName: string;
  /** Recovery window of the archive. */
  public readonly retentionPolicy: string;
  public readonly storageSize: string;
  /** Size of the separate WAL volume, when there is one. */
  public readonly walStorageSize?: string;
  /** PostgreSQL operand image; migration Jobs run psql from the same image. */
  public readonly imageName: string;
  /** The store this cluster was recovered from, when it is a clone or a restore. */
  public readonly recoveredFrom?: { readonly cluster: CnpgCluster; readonly objectStore: BarmanObjectStore; readonly recoveryTarget?: RecoveryTarget };
  /** The cluster settings, for restores that copy them. */
  public readonly clusterConfig: ClusterConfig;

  constructor(scope: Construct, id: string, props: CnpgClusterProps) {
    super(scope, id);
    addInvariants(this);
    this.name = props.name;
    this.namespace = Chart.of(this).namespace ?? 'default';
    this.instances = props.instances ?? 1;
    this.readWriteServiceHost = `${props.name}-rw.${this.namespace}.svc`;
    this.readOnlyServiceHost = `${props.name}-ro.${this.namespace}.svc`;
    this.database = props.database ?? 'app';
    this.owner = props.owner ?? this.database;
    const { objectStore, retentionPolicy, serverName, appCredentials, recoverFrom, migrator, ...clusterConfig } = props;
    this.serverName = serverName ?? props.name;
    this.retentionPolicy = retentionPolicy;
    const storageSize = props.storageSize ?? recoverFrom?.cluster.storageSize;
    if (storageSize === undefined) throw new Error(`${this.node.path}: storageSize is required unless the cluster recovers from another one (recoverFrom), whose size it then takes`);
    this.storageSize = storageSize;
    this.walStorageSize = props.walStorageSize ?? recoverFrom?.cluster.walStorageSize;
    this.imageName = props.imageName ?? DEFAULT_POSTGRES_IMAGE;
    this.clusterConfig = { ...clusterConfig, storageSize: this.storageSize, walStorageSize: this.walStorageSize };
    this.objectStore = objectStore instanceof BarmanObjectStore
      ? objectStore
      : new BarmanObjectStore(this, 'ObjectStore', { ...objectStore, name: `${props.name}-store`, retentionPolicy });

    const appCredentialsSecret = appCredentials && credentialsSecret(this, 'AppCredentials', appCredentials, {
      secretName: `${props.name}-app`,
      properties: { password: 'password' },
      literals: { username: this.owner },
      secretType: 'kubernetes.io/basic-auth',
      fileName: 'postgres-app-secret.yaml',
    });
    const appSecret = appCredentialsSecret ?? recoverFrom?.appSecretName;
    this.appSecretName = appSecret ?? `${props.name}-app`;
    this.caSecretName = `${props.name}-ca`;
    if (migrator) {
      this.migratorRole = migrator.role ?? 'migrator';
      this.migratorSecretName = credentialsSecret(this, 'MigratorCredentials', migrator.credentials, {
        secretName: `${props.name}-migrator`,
        properties: { password: 'password' },
        literals: { username: this.migratorRole },
        secretType: 'kubernetes.io/basic-auth',
        fileName: 'migrator-secret.yaml',
      });
    }

    if (recoverFrom) {
      const source = recoverFrom.cluster;
      this.recoveredFrom = {
        cluster: source,
        recoveryTarget: recoverFrom.recoveryTarget,
        objectStore: recoverFrom.credentials === undefined ? source.objectStore : new BarmanObjectStore(this, 'RecoverySource', {
          provider: source.objectStore.provider,
          destinationPath: source.objectStore.destinationPath,
          endpointURL: source.objectStore.endpointURL,
          credentials: recoverFrom.credentials,
          name: `${props.name}-recovery-source`,
        }),
      };
    }

    new Cluster(this, 'Resource', {
      metadata: {
        name: props.name,
        // A cluster removed from Git is left running: deleting data takes a deliberate kubectl delete.
        annotations: {
          ...FLUX_KEEP_WHEN_REMOVED,
          ...(props.appCredentials && 'existingSecret' in props.appCredentials && { [PROVIDED_BY_REPOSITORY]: props.appCredentials.existingSecret }),
        },
      },
      spec: {
        instances: this.instances,
        imageName: this.imageName,
        enableSuperuserAccess: props.enableSuperuserAccess ?? false,
        storage: { size: this.storageSize, storageClass: props.storageClass },
        walStorage: this.walStorageSize === undefined
          ? undefined
          : { size: this.walStorageSize, storageClass: props.storageClass },
        resources: props.resources && {
          requests: {
            cpu: ClusterSpecResourcesRequests.fromString(props.resources.requests.cpu),
            memory: ClusterSpecResourcesRequests.fromString(props.resources.requests.memory),
          },
          limits: props.resources.limits && {
            ...(props.resources.limits.cpu && { cpu: ClusterSpecResourcesLimits.fromString(props.resources.limits.cpu) }),
            ...(props.resources.limits.memory && { memory: ClusterSpecResourcesLimits.fromString(props.resources.limits.memory) }),
          },
        },
        affinity: {
          enablePodAntiAffinity: true,
          topologyKey: props.topologyKey ?? 'kubernetes.io/hostname',
          podAntiAffinityType: props.podAntiAffinityType ?? 'preferred',
        },
        postgresql: props.postgresqlParameters && { parameters: { ...props.postgresqlParameters } },
        managed: this.migratorRole === undefined ? undefined : {
          roles: [{
            name: this.migratorRole,
            login: true,
            inRoles: [this.owner],
            passwordSecret: { name: this.migratorSecretName! },
            comment: `schema migrations (cnpg-gitops): member of ${this.owner}, may create restore points`,
          }],
        },
        bootstrap: this.bootstrap(appSecret),
        externalClusters: this.recoveredFrom && [{
          name: RECOVERY_SOURCE,
          plugin: {
            name: BARMAN_CLOUD_PLUGIN,
            parameters: {
              barmanObjectName: this.recoveredFrom.objectStore.name,
              // The plugin defaults the recovery serverName to the NEW cluster's name.
              serverName: this.recoveredFrom.cluster.serverName,
            },
          },
        }],
        plugins: [{
          name: BARMAN_CLOUD_PLUGIN,
          isWalArchiver: true,
          parameters: { barmanObjectName: this.objectStore.name, serverName: this.serverName },
        }],
      },
    });
  }

  /** What the sizing guardrail reviews: this cluster's volumes, and its source's when it recovers one. */
  public reviewObject(): { kind: string; name: string; manifest: unknown } {
    const volumes = (cluster: CnpgCluster) => ({ name: cluster.name, storageSize: cluster.storageSize, walStorageSize: cluster.walStorageSize });
    const source = this.recoveredFrom?.cluster;
    return {
      kind: 'ClusterVolumes',
      name: this.name,
      manifest: { ...volumes(this), source: source && volumes(source), restore: this.recoveredFrom?.recoveryTarget !== undefined },
    };
  }

  /** initdb, or recovery from the source's archive; `appSecret` is undefined when the operator generates it. */
  private bootstrap(appSecret: string | undefined): ClusterSpecBootstrap {
    const secret = appSecret === undefined ? undefined : { name: appSecret };
    if (this.recoveredFrom) {
      const recoveryTarget = this.recoveredFrom.recoveryTarget?._toCnpg();
      return { recovery: { source: RECOVERY_SOURCE, database: this.database, owner: this.owner, secret, recoveryTarget } };
    }
    const postInitApplicationSql = this.migratorRole === undefined ? undefined : migratorBootstrapSql(this.migratorRole, this.owner);
    return { initdb: { database: this.database, owner: this.owner, secret, postInitApplicationSql } };
  }
}
