import { ApiObject, ApiObjectMetadata, Lazy, Names } from 'cdk8s';
import { Construct } from 'constructs';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IEnvVar } from 'kubernetes-models/v1/EnvVar';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IVolume } from 'kubernetes-models/v1/Volume';
import type { IVolumeMount } from 'kubernetes-models/v1/VolumeMount';
import { CnpgCluster } from './cnpg-cluster';
import { PlainApiObject } from './plain-api-object';

/** UID of the postgres user in the CNPG PostgreSQL images; the Jobs run as it. */
export const POSTGRES_UID = 26;

/** A container security context that meets the Pod Security "restricted" profile. */
const RESTRICTED_CONTAINER: IContainer['securityContext'] = {
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  privileged: false,
  readOnlyRootFilesystem: true,
  runAsGroup: POSTGRES_UID,
  runAsNonRoot: true,
  runAsUser: POSTGRES_UID,
  seccompProfile: { type: 'RuntimeDefault' },
};

/** Requests and limits of the psql and kubectl containers. */
const SMALL_CONTAINER_RESOURCES: IContainer['resources'] = {
  limits: { cpu: '1000m', memory: '512Mi' },
  requests: { cpu: '100m', memory: '128Mi' },
};

/** An environment variable's value: text, or a key of a Secret. */
export type EnvValue = string | { readonly secret: string; readonly key: string };

/** A volume of a Job's pod and where its containers mount it. */
export interface JobVolume {
  readonly volume: IVolume;
  readonly path: string;
  /** @default false */
  readonly readOnly?: boolean;
}

export interface JobContainerProps {
  readonly name: string;
  readonly image: string;
  /** @default - the image's entrypoint */
  readonly command?: readonly string[];
  /** In this order. */
  readonly env: Readonly<Record<string, EnvValue>>;
  /** In this order. */
  readonly volumes: readonly JobVolume[];
}

/** A psql or kubectl container: the "restricted" profile, small requests and limits. */
export function jobContainer(props: JobContainerProps): IContainer {
  return {
    ...(props.command && { command: [...props.command] }),
    env: Object.entries(props.env).map(([name, value]): IEnvVar => (typeof value === 'string' ? { name, value } : { name, valueFrom: { secretKeyRef: { key: value.key, name: value.secret } } })),
    image: props.image,
    imagePullPolicy: 'Always',
    name: props.name,
    resources: SMALL_CONTAINER_RESOURCES,
    securityContext: RESTRICTED_CONTAINER,
    volumeMounts: props.volumes.map(({ volume, path, readOnly }): IVolumeMount => ({ mountPath: path, name: volume.name, ...(readOnly && { readOnly }) })),
  };
}

export interface JobProps {
  readonly metadata: ApiObjectMetadata;
  readonly podLabels: Readonly<Record<string, string>>;
  readonly activeDeadlineSeconds: number;
  /** The pod's fsGroup. @default - none */
  readonly fsGroup?: number;
  /** @default - the namespace's default ServiceAccount */
  readonly serviceAccountName?: string;
  /** Run one after the other before `containers`. @default - none */
  readonly initContainers?: readonly IContainer[];
  readonly containers: readonly IContainer[];
  readonly volumes: readonly IVolume[];
}

/**
 * A Job that runs once: no retries, no restarts, no API token unless a container mounts one,
 * running as the postgres user. The pod template carries the `cdk8s.io/metadata.addr` label
 * cdk8s-plus-28 gave it before these Jobs were plain objects, so their manifests did not change.
 */
export function onceJob(scope: Construct, id: string, props: JobProps): ApiObject {
  const podLabels = { ...props.podLabels, 'cdk8s.io/metadata.addr': Lazy.any({ produce: () => Names.toLabelValue(job) }) };
  const pod: IPodSpec = {
    automountServiceAccountToken: false,
    containers: [...props.containers],
    dnsPolicy: 'ClusterFirst',
    hostNetwork: false,
    ...(props.initContainers && { initContainers: [...props.initContainers] }),
    restartPolicy: 'Never',
    securityContext: {
      ...(props.fsGroup !== undefined && { fsGroup: props.fsGroup }),
      fsGroupChangePolicy: 'Always',
      runAsGroup: POSTGRES_UID,
      runAsNonRoot: true,
      runAsUser: POSTGRES_UID,
    },
    ...(props.serviceAccountName !== undefined && { serviceAccountName: props.serviceAccountName }),
    setHostnameAsFQDN: false,
    terminationGracePeriodSeconds: 30,
    volumes: [...props.volumes],
  };
  const spec = { activeDeadlineSeconds: props.activeDeadlineSeconds, backoffLimit: 0, template: { metadata: { labels: podLabels }, spec: pod } };
  const job = new PlainApiObject(scope, id, { apiVersion: 'batch/v1', kind: 'Job', metadata: props.metadata, spec });
  return job;
}

/** libpq variables that connect psql to a cluster's primary over TLS. */
export function postgresConnection(cluster: CnpgCluster, applicationName: string, options: PostgresConnectionOptions = {}): Record<string, EnvValue> {
  const secret = options.secretName ?? cluster.appSecretName;
  return {
    PGHOST: cluster.readWriteServiceHost,
    PGPORT: '5432',
    PGDATABASE: cluster.database,
    PGUSER: { secret, key: 'username' },
    PGPASSWORD: { secret, key: 'password' },
    ...(options.caFile === undefined ? { PGSSLMODE: 'require' } : { PGSSLMODE: 'verify-full', PGSSLROOTCERT: options.caFile }),
    PGAPPNAME: applicationName,
  };
}

/** How a Job's psql connects: whose credentials, and the CA that verifies the server. */
export interface PostgresConnectionOptions {
  /**
   * Basic-auth Secret with `username` and `password`.
   * @default - the cluster's application credentials
   */
  readonly secretName?: string;
  /**
   * Path of the cluster's CA certificate inside the container: TLS then verifies the server's
   * certificate and host name (`verify-full`).
   * @default - TLS without verification (`require`)
   */
  readonly caFile?: string;
}
