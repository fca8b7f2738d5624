import { Construct } from 'constructs';
import { addInvariants } from '../invariants';
import { FLUX_KEEP_WHEN_REMOVED, OBJECT_STORE_PROVIDER, PROVIDED_BY_REPOSITORY } from '../names';
import {
  ObjectStore,
  ObjectStoreSpecConfigurationDataCompression,
  ObjectStoreSpecConfigurationWalCompression,
  toJson_ObjectStoreProps,
} from '../../imports/barmancloud-barmancloud.cnpg.io';
import { credentialsSecret, CredentialsSource, ExternalSecretCredentials } from './external-secret-credentials';
import { plainImportedKind } from './plain-api-object';

/** Rendered in one pass (src/constructs/plain-api-object.ts). */
const PlainObjectStore = plainImportedKind(ObjectStore, toJson_ObjectStoreProps);

/** Secret keys the Barman Cloud plugin documents for S3 access keys. */
const ACCESS_KEY_ID = 'ACCESS_KEY_ID';
const ACCESS_SECRET_KEY = 'ACCESS_SECRET_KEY';

/**
 * boto3 ≥ 1.36 sends flexible checksums that R2 and other S3-compatible stores reject
 * ("Checksum Type mismatch"); the plugin documents these two variables as the workaround.
 */
const S3_COMPATIBLE_CHECKSUM_ENV = [
  { name: 'AWS_REQUEST_CHECKSUM_CALCULATION', value: 'when_required' },
  { name: 'AWS_RESPONSE_CHECKSUM_VALIDATION', value: 'when_required' },
];

/** Where the Barman Cloud plugin stores base backups and WAL. */
export type ObjectStoreProvider = 'cloudflare-r2' | 'aws-s3' | 's3-compatible';

/** Compression for base backups (the plugin's `data.compression` enum). */
export type DataCompression = 'bzip2' | 'gzip' | 'lz4' | 'snappy';

/** Compression for WAL files (the plugin's `wal.compression` enum; xz and zstd are WAL-only). */
export type WalCompression = DataCompression | 'xz' | 'zstd';

/** The bucket, its access keys and how the plugin writes into it. */
export interface ObjectStoreSettings {
  /** Kind of store. `cloudflare-r2` and `s3-compatible` need `endpointURL`. */
  readonly provider: ObjectStoreProvider;
  /**
   * `s3://<bucket>/<optional prefix>`. The bucket must exist before the cluster starts.
   * Each cluster writes below `<destinationPath>/<serverName>/`.
   */
  readonly destinationPath: string;
  /**
   * S3 API endpoint, without the bucket. For R2: `https://<account id>.r2.cloudflarestorage.com`,
   * or `https://<account id>.<eu|fedramp|us>.r2.cloudflarestorage.com` for a bucket in a
   * jurisdiction (OBJ001 refuses any other host for `cloudflare-r2`).
   * @default - none (AWS S3 resolves the endpoint itself)
   */
  readonly endpointURL?: string;
  /**
   * Where the access keys come from. The external secret (or the existing Secret) holds the
   * keys `ACCESS_KEY_ID` and `ACCESS_SECRET_KEY`.
   */
  readonly credentials: CredentialsSource;
  /**
   * WAL compression.
   * @default 'gzip'
   */
  readonly walCompression?: WalCompression;
  /**
   * Base backup compression.
   * @default 'gzip'
   */
  readonly dataCompression?: DataCompression;
  /**
   * WAL files archived or restored in parallel.
   * @default 2
   */
  readonly walMaxParallel?: number;
  /**
   * Start every base backup with an immediate checkpoint instead of a spread one. A migration
   * waits for its pre-migration backup, and a spread checkpoint (`checkpoint_completion_target`
   * of `checkpoint_timeout`) adds minutes; the cost is a short burst of writes on the primary.
   * @default true
   */
  readonly immediateCheckpoint?: boolean;
}

export interface BarmanObjectStoreProps extends ObjectStoreSettings {
  /** Name of the `ObjectStore` object; its credentials Secret is `<name>-credentials`. */
  readonly name: string;
  /**
   * Recovery window kept in the store (`^[1-9][0-9]*[dwm]$`).
   * @default - no retention: the plugin never deletes anything through this store
   *   (the right choice for a read-only recovery source)
   */
  readonly retentionPolicy?: string;
}

/**
 * A Barman Cloud plugin `ObjectStore` (barmancloud.cnpg.io/v1) and the External Secret that
 * supplies its access keys. It never sets `serverName`: the plugin forbids it here and takes
 * it from each Cluster's plugin parameters instead.
 * @see https://cloudnative-pg.io/plugin-barman-cloud/docs/object_stores/
 */
export class BarmanObjectStore extends Construct {
  /** Name of the `ObjectStore` object, used as the plugin's `barmanObjectName`. */
  public readonly name: string;
  /** `s3://bucket/prefix` the store writes below. */
  public readonly destinationPath: string;
  /** S3 endpoint, when the store is not AWS S3. */
  public readonly endpointURL?: string;
  public readonly provider: ObjectStoreProvider;
  /** Name of the Secret holding the access keys. */
  public readonly credentialsSecretName: string;
  /** The ExternalSecret that supplies them, unless the repository provides the Secret itself. */
  public readonly credentials?: ExternalSecretCredentials;

  constructor(scope: Construct, id: string, props: BarmanObjectStoreProps) {
    super(scope, id);
    addInvariants(this);
    this.name = props.name;
    this.destinationPath = props.destinationPath;
    this.endpointURL = props.endpointURL;
    this.provider = props.provider;

    const { secretName, externalSecret } = credentialsSecret(this, 'Credentials', props.credentials, {
      secretName: `${props.name}-credentials`,
      properties: { [ACCESS_KEY_ID]: ACCESS_KEY_ID, [ACCESS_SECRET_KEY]: ACCESS_SECRET_KEY },
    });
    this.credentialsSecretName = secretName;
    this.credentials = externalSecret;

    new PlainObjectStore(this, 'Resource', {
      metadata: {
        name: props.name,
        // Removing it from Git must not stop WAL archiving of a cluster that keeps running. OBJ001
        // checks the endpoint against the provider. SEC001 accepts a Secret the repository
        // provides itself (SOPS) only when declared so.
        annotations: { ...FLUX_KEEP_WHEN_REMOVED, [OBJECT_STORE_PROVIDER]: props.provider, ...('existingSecret' in props.credentials && { [PROVIDED_BY_REPOSITORY]: this.credentialsSecretName }) },
      },
      spec: {
        configuration: {
          destinationPath: props.destinationPath,
          endpointUrl: props.endpointURL,
          s3Credentials: {
            accessKeyId: { name: this.credentialsSecretName, key: ACCESS_KEY_ID },
            secretAccessKey: { name: this.credentialsSecretName, key: ACCESS_SECRET_KEY },
          },
          wal: {
            compression: (props.walCompression ?? 'gzip') as ObjectStoreSpecConfigurationWalCompression,
            maxParallel: props.walMaxParallel ?? 2,
          },
          data: {
            compression: (props.dataCompression ?? 'gzip') as ObjectStoreSpecConfigurationDataCompression,
            immediateCheckpoint: props.immediateCheckpoint ?? true,
          },
        },
        retentionPolicy: props.retentionPolicy,
        instanceSidecarConfiguration: props.provider === 'aws-s3' ? undefined : { env: S3_COMPATIBLE_CHECKSUM_ENV.map((variable) => ({ ...variable })) },
      },
    });
  }
}
