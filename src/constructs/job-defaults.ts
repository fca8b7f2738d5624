import { Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CnpgCluster } from './cnpg-cluster';

/** UID of the postgres user in the CNPG PostgreSQL images; the Jobs run as it. */
export const POSTGRES_UID = 26;

/** A container security context that meets the Pod Security "restricted" profile. */
export const RESTRICTED_CONTAINER: kplus.ContainerSecurityContextProps = {
  ensureNonRoot: true,
  user: POSTGRES_UID,
  group: POSTGRES_UID,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  privileged: false,
  capabilities: { drop: [kplus.Capability.ALL] },
  seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT },
};

/** Requests and limits of the psql and kubectl containers. */
export const SMALL_CONTAINER_RESOURCES: kplus.ContainerResources = {
  cpu: { request: kplus.Cpu.millis(100), limit: kplus.Cpu.millis(1000) },
  memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) },
};

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

/** libpq variables that connect psql to a cluster's primary over TLS. */
export function postgresConnection(scope: Construct, cluster: CnpgCluster, applicationName: string, options: PostgresConnectionOptions = {}): Record<string, kplus.EnvValue> {
  const secret = kplus.Secret.fromSecretName(scope, 'AppSecret', options.secretName ?? cluster.appSecretName);
  const value = kplus.EnvValue.fromValue;
  return {
    PGHOST: value(cluster.readWriteServiceHost),
    PGPORT: value('5432'),
    PGDATABASE: value(cluster.database),
    PGUSER: kplus.EnvValue.fromSecretValue({ secret, key: 'username' }),
    PGPASSWORD: kplus.EnvValue.fromSecretValue({ secret, key: 'password' }),
    ...(options.caFile === undefined
      ? { PGSSLMODE: value('require') }
      : { PGSSLMODE: value('verify-full'), PGSSLROOTCERT: value(options.caFile) }),
    PGAPPNAME: value(applicationName),
  };
}
