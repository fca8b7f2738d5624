import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { addInvariants } from '../invariants';
import {
  Cluster,
  ClusterSpecBootstrap,
  ClusterSpecResourcesLimits,
  ClusterSpecResourcesRequests,
  toJson_ClusterProps,
} from '../../imports/cnpg-postgresql.cnpg.io';
import { BARMAN_CLOUD_PLUGIN, FLUX_KEEP_WHEN_REMOVED, PROVIDED_BY_REPOSITORY } from '../names';
import { RecoveryTarget } from '../values/recovery-target';
import { BarmanObjectStore, ObjectStoreSettings } from './barman-object-store';
import { credentialsSecret, CredentialsSource, ExternalSecretCredentials, ExternalSecretSource } from './external-secret-credentials';
import { plainImportedKind } from './plain-api-object';

/** Rendered in one pass (src/constructs/plain-api-object.ts). */
const PlainCluster = plainImportedKind(Cluster, toJson_ClusterProps);

/** Operand image CNPG 1.30.0 uses when `imageName` is not set. */
export const DEFAULT_POSTGRES_IMAGE = 'ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie';

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
  readonly credentials: CredentialsSource;
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
  readonly credentials?: ExternalSecretSource;
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

/** The PostgreSQL cluster itself (CNPG `Cluster`): what a restore of it copies. */
export interface CnpgClusterSettings {
  /**
   * Cluster name (`metadata.name`): a DNS-1035 label of at most 50 characters.
   * Services are `<name>-rw` and `<name>-ro`.
   */
  readonly name: string;
  /**
   * Number of PostgreSQL instances (one primary, the rest streaming replicas).
   * @default 1
   */
  readonly instances?: number;
  /**
   * PostgreSQL operand image. The tag must start with the major version; pin it by digest too
   * (`<image>:<tag>@sha256:<digest>`) so every instance and migration Job runs the same bytes.
   * @default 'ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie' (the CNPG 1.30.0 default)
   */
  readonly imageName?: string;
  /**
   * Size of each instance's data volume, e.g. `20Gi`. Volumes can grow, never shrink.
   * @default - the source's, when recovering from another cluster (`recoverFrom`); otherwise required
   */
  readonly storageSize?: string;
  /**
   * StorageClass of the data (and WAL) volumes.
   * @default - the cluster's default StorageClass
   */
  readonly storageClass?: string;
  /**
   * Size of a separate WAL volume. Once set it cannot be removed again.
   * @default - the source's, when recovering from another cluster; otherwise WAL shares the data volume
   */
  readonly walStorageSize?: string;
  /**
   * CPU and memory requests and limits of each PostgreSQL container.
   * @default - no requests or limits (BestEffort pods)
   */
  readonly resources?: {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits?: { readonly cpu?: string; readonly memory?: string };
  };
  /**
   * Topology key the instances are spread over.
   * @default 'kubernetes.io/hostname'
   */
  readonly topologyKey?: string;
  /**
   * Whether anti-affinity is a preference or a hard requirement (`required` leaves pods
   * Pending when there are fewer topology domains than instances).
   * @default 'preferred'
   */
  readonly podAntiAffinityType?: 'preferred' | 'required';
  /**
   * Allow network access as the `postgres` superuser.
   * @default false
   */
  readonly enableSuperuserAccess?: boolean;
  /**
   * Application database created at bootstrap.
   * @default 'app'
   */
  readonly database?: string;
  /**
   * Owner role of the application database, used by applications and migrations.
   * @default - same as `database`
   */
  readonly owner?: string;
  /**
   * Extra PostgreSQL parameters. CNPG accepts only strings.
   * @default - CNPG's defaults
   */
  readonly postgresqlParameters?: Readonly<Record<string, string>>;
}

export interface CnpgClusterProps extends CnpgClusterSettings {
  /**
   * The object store WAL and base backups are archived to: settings for a new `ObjectStore`, or
   * an existing one to share (the cluster then archives into its own `serverName` folder of it).
   */
  readonly objectStore: ObjectStoreSettings | BarmanObjectStore;
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
  readonly appCredentials?: CredentialsSource;
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
  public readonly settings: CnpgClusterSettings;
  /** The CNPG `Cluster` object. */
  public readonly apiObject: Cluster;
  /** The ExternalSecret of the application credentials, when they come from a secret store. */
  public readonly appCredentials?: ExternalSecretCredentials;
  /** The ExternalSecret of the migrator's credentials, when they come from a secret store. */
  public readonly migratorCredentials?: ExternalSecretCredentials;

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
    const { objectStore, retentionPolicy, serverName, appCredentials, recoverFrom, migrator, ...settings } = props;
    this.serverName = serverName ?? props.name;
    this.retentionPolicy = retentionPolicy;
    const storageSize = props.storageSize ?? recoverFrom?.cluster.storageSize;
    if (storageSize === undefined) throw new Error(`${this.node.path}: storageSize is required unless the cluster recovers from another one (recoverFrom), whose size it then takes`);
    this.storageSize = storageSize;
    this.walStorageSize = props.walStorageSize ?? recoverFrom?.cluster.walStorageSize;
    this.imageName = props.imageName ?? DEFAULT_POSTGRES_IMAGE;
    this.settings = { ...settings, storageSize: this.storageSize, walStorageSize: this.walStorageSize };
    this.objectStore = objectStore instanceof BarmanObjectStore
      ? objectStore
      : new BarmanObjectStore(this, 'ObjectStore', { ...objectStore, name: `${props.name}-store`, retentionPolicy });

    const appSecret = appCredentials && credentialsSecret(this, 'AppCredentials', appCredentials, {
      secretName: `${props.name}-app`,
      properties: { password: 'password' },
      literals: { username: this.owner },
      secretType: 'kubernetes.io/basic-auth',
    });
    this.appCredentials = appSecret?.externalSecret;
    const appSecretName = appSecret?.secretName ?? recoverFrom?.appSecretName;
    this.appSecretName = appSecretName ?? `${props.name}-app`;
    this.caSecretName = `${props.name}-ca`;
    if (migrator) {
      this.migratorRole = migrator.role ?? 'migrator';
      const migratorSecret = credentialsSecret(this, 'MigratorCredentials', migrator.credentials, {
        secretName: `${props.name}-migrator`,
        properties: { password: 'password' },
        literals: { username: this.migratorRole },
        secretType: 'kubernetes.io/basic-auth',
      });
      this.migratorSecretName = migratorSecret.secretName;
      this.migratorCredentials = migratorSecret.externalSecret;
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

    this.apiObject = new PlainCluster(this, 'Resource', {
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
        bootstrap: this.bootstrap(appSecretName),
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
  public reviewObjects(): { kind: string; name: string; manifest: unknown }[] {
    const volumes = (cluster: CnpgCluster) => ({ name: cluster.name, storageSize: cluster.storageSize, walStorageSize: cluster.walStorageSize });
    const source = this.recoveredFrom?.cluster;
    return [{
      kind: 'ClusterVolumes',
      name: this.name,
      manifest: { ...volumes(this), source: source && volumes(source), restore: this.recoveredFrom?.recoveryTarget !== undefined },
    }];
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
