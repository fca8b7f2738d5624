import { ApiObject, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { placeInFile } from '../flux/placement';
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

/** libpq variables that connect psql to a cluster's primary as the application owner, over TLS. */
export function postgresConnection(scope: Construct, cluster: CnpgCluster, applicationName: string): Record<string, kplus.EnvValue> {
  const secret = kplus.Secret.fromSecretName(scope, 'AppSecret', cluster.appSecretName);
  const value = kplus.EnvValue.fromValue;
  return {
    PGHOST: value(cluster.readWriteServiceHost),
    PGPORT: value('5432'),
    PGDATABASE: value(cluster.database),
    PGUSER: kplus.EnvValue.fromSecretValue({ secret, key: 'username' }),
    PGPASSWORD: kplus.EnvValue.fromSecretValue({ secret, key: 'password' }),
    PGSSLMODE: value('require'),
    PGAPPNAME: value(applicationName),
  };
}

/**
 * Places every object below `scope` (except `others`, placed elsewhere) in one file. When the
 * user content they carry (SQL, assertions) contains `${`, they are marked so Flux post-build
 * substitution never rewrites it; FLX001 checks the rendered objects.
 */
export function renderIntoFile(scope: IConstruct, fileName: string, userContent: readonly string[], others: readonly ApiObject[] = []): void {
  const protect = userContent.some((content) => content.includes('${'));
  for (const construct of scope.node.findAll()) {
    if (!(construct instanceof ApiObject) || others.includes(construct)) continue;
    placeInFile(construct, fileName);
    if (protect) construct.metadata.addAnnotation('kustomize.toolkit.fluxcd.io/substitute', 'disabled');
  }
}
