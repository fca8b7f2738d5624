import { Construct } from 'constructs';
import { addInvariants } from '../invariants';
import { FLUX_KEEP_WHEN_REMOVED } from '../names';
import {
  ObjectStore,
  ObjectStoreSpecConfigurationDataCompression,
  ObjectStoreSpecConfigurationWalCompression,
} from '../../imports/barmancloud-barmancloud.cnpg.io';
import { ObjectStoreConfig } from '../config/types';
import { credentialsSecret } from './external-secret-credentials';

/**
 * Names, on an ObjectStore or a Cluster, the Secret the repository provides itself (e.g.
 * SOPS-encrypted) for its credentials, which no ExternalSecret renders.
 */
export const PROVIDED_BY_REPOSITORY = 'cnpg-gitops.io/provided-by-repository';

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

export interface BarmanObjectStoreProps extends Omit<ObjectStoreConfig, 'serverName'> {
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
  public readonly provider: ObjectStoreConfig['provider'];
  /** Name of the Secret holding the access keys. */
  public readonly credentialsSecretName: string;

  constructor(scope: Construct, id: string, props: BarmanObjectStoreProps) {
    super(scope, id);
    addInvariants(this);
    this.name = props.name;
    this.destinationPath = props.destinationPath;
    this.endpointURL = props.endpointURL;
    this.provider = props.provider;

    this.credentialsSecretName = credentialsSecret(this, 'Credentials', props.credentials, {
      secretName: `${props.name}-credentials`,
      properties: { [ACCESS_KEY_ID]: ACCESS_KEY_ID, [ACCESS_SECRET_KEY]: ACCESS_SECRET_KEY },
      fileName: 'object-store-credentials.yaml',
    });

    new ObjectStore(this, 'Resource', {
      metadata: {
        name: props.name,
        // Removing it from Git must not stop WAL archiving of a cluster that keeps running. SEC001
        // accepts a Secret the repository provides itself (SOPS) only when declared so.
        annotations: { ...FLUX_KEEP_WHEN_REMOVED, ...('existingSecret' in props.credentials && { [PROVIDED_BY_REPOSITORY]: this.credentialsSecretName }) },
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
