import { EnvironmentConfig, EnvironmentName } from './types';

/** A mistake in an environment config, reported like a compiler error. */
export interface ConfigError {
  /** The environment file, e.g. `src/config/production.ts`, or `src/config/index.ts` for the list. */
  readonly file: string;
  /** Dotted path of the field, e.g. `cluster.instances`. */
  readonly field: string;
  /** What is wrong and what is allowed. */
  readonly message: string;
  readonly value: unknown;
}

type Report = (field: string, message: string, value: unknown) => void;
type Validator = (value: unknown, field: string, report: Report) => void;

const ENVIRONMENT_NAMES: readonly EnvironmentName[] = ['develop', 'staging', 'production'];
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const CPU = /^[0-9]+(\.[0-9]+)?m?$/;
const DURATION = /^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function describe(value: unknown): string {
  return value === undefined ? 'nothing' : typeof value === 'string' ? 'a string' : Array.isArray(value) ? 'a list' : typeof value;
}

const text = (pattern?: RegExp, expected?: string): Validator => (value, field, report) => {
  if (value === undefined) report(field, 'is required: a non-empty string', value);
  else if (typeof value !== 'string' || value.trim() === '') report(field, `must be a non-empty string, got ${describe(value)}`, value);
  else if (pattern && !pattern.test(value)) report(field, `must be ${expected}`, value);
};

const integer = (min: number, max: number): Validator => (value, field, report) => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    report(field, `must be a whole number from ${min} to ${max}`, value);
  }
};

const flag: Validator = (value, field, report) => {
  if (typeof value !== 'boolean') report(field, 'must be true or false', value);
};

const oneOf = (allowed: readonly string[]): Validator => (value, field, report) => {
  if (typeof value !== 'string' || !allowed.includes(value)) report(field, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`, value);
};

const day: Validator = (value, field, report) => {
  text(DAY, 'a day written YYYY-MM-DD')(value, field, report);
  if (typeof value === 'string' && DAY.test(value) && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) {
    report(field, 'must be a real calendar day (YYYY-MM-DD)', value);
  }
};

const optional = (validator: Validator): Validator => (value, field, report) => {
  if (value !== undefined) validator(value, field, report);
};

const list = (item: Validator): Validator => (value, field, report) => {
  if (!Array.isArray(value)) return report(field, `must be a list, got ${describe(value)}`, value);
  value.forEach((entry, index) => item(entry, `${field}[${index}]`, report));
};

const stringMap: Validator = (value, field, report) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return report(field, `must be an object of strings, got ${describe(value)}`, value);
  for (const [key, entry] of Object.entries(value)) text()(entry, `${field}.${key}`, report);
};

/** An object whose spec must name every field of T, so a new config field cannot go unchecked. */
function object<T>(spec: { readonly [K in keyof T]-?: Validator }): Validator {
  return (value, field, report) => {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return report(field, value === undefined ? 'is required' : `must be an object, got ${value === null ? 'null' : describe(value)}`, value);
    }
    const prefix = field === '' ? '' : `${field}.`;
    for (const key of Object.keys(value)) {
      if (!(key in spec)) report(`${prefix}${key}`, `is not a known field (allowed: ${Object.keys(spec).join(', ')})`, (value as any)[key]);
    }
    for (const [key, validator] of Object.entries(spec) as [string, Validator][]) {
      validator((value as any)[key], `${prefix}${key}`, report);
    }
  };
}

const externalSecret = object<EnvironmentConfig['objectStore']['credentials']>({
  clusterSecretStore: text(DNS_LABEL, 'the name of a ClusterSecretStore (lowercase letters, digits, dashes)'),
  remoteKey: text(),
  refreshInterval: optional(text(DURATION, 'a Go duration such as "1h" or "30m"')),
});

const environmentSpec = object<EnvironmentConfig>({
  name: oneOf(ENVIRONMENT_NAMES),
  namespace: text(DNS_LABEL, 'a namespace name (lowercase letters, digits, dashes)'),
  cluster: object<EnvironmentConfig['cluster']>({
    name: text(),
    instances: optional(integer(1, 99)),
    imageName: optional(text(/^[^:\s]+(:[0-9]+[^:\s]*|@sha256:[0-9a-f]{64})$/, 'an image whose tag starts with the PostgreSQL major version, e.g. "ghcr.io/cloudnative-pg/postgresql:18.4-system-trixie"')),
    storageSize: text(QUANTITY, 'a Kubernetes quantity such as "20Gi"'),
    storageClass: optional(text()),
    walStorageSize: optional(text(QUANTITY, 'a Kubernetes quantity such as "5Gi"')),
    resources: optional(object<NonNullable<EnvironmentConfig['cluster']['resources']>>({
      requests: object({ cpu: text(CPU, 'a CPU quantity such as "500m" or "2"'), memory: text(QUANTITY, 'a memory quantity such as "4Gi"') }),
      limits: optional(object({
        cpu: optional(text(CPU, 'a CPU quantity such as "500m" or "2"')),
        memory: optional(text(QUANTITY, 'a memory quantity such as "4Gi"')),
      })),
    })),
    topologyKey: optional(text()),
    podAntiAffinityType: optional(oneOf(['preferred', 'required'])),
    enableSuperuserAccess: optional(flag),
    database: optional(text(/^[a-z_][a-z0-9_]*$/, 'a PostgreSQL identifier (lowercase letters, digits, underscores)')),
    owner: optional(text(/^[a-z_][a-z0-9_]*$/, 'a PostgreSQL role name (lowercase letters, digits, underscores)')),
    postgresqlParameters: optional(stringMap),
  }),
  objectStore: object<EnvironmentConfig['objectStore']>({
    provider: oneOf(['cloudflare-r2', 'aws-s3', 's3-compatible']),
    destinationPath: text(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'an S3 URL "s3://<bucket>/<optional prefix>"'),
    endpointURL: optional(text()),
    credentials: externalSecret,
    serverName: optional(text(DNS_LABEL, 'a folder name (lowercase letters, digits, dashes)')),
    walCompression: optional(oneOf(['bzip2', 'gzip', 'lz4', 'snappy', 'xz', 'zstd'])),
    dataCompression: optional(oneOf(['bzip2', 'gzip', 'lz4', 'snappy'])),
    walMaxParallel: optional(integer(1, 64)),
  }),
  backup: object<EnvironmentConfig['backup']>({
    schedule: text(),
    retentionPolicy: text(),
    target: optional(oneOf(['primary', 'prefer-standby'])),
  }),
  appCredentials: optional(externalSecret),
  cloneFrom: optional(object<NonNullable<EnvironmentConfig['cloneFrom']>>({
    environment: oneOf(ENVIRONMENT_NAMES),
    clonedOn: day,
    credentials: externalSecret,
  })),
  flux: optional(object<NonNullable<EnvironmentConfig['flux']>>({
    sourceName: optional(text(DNS_LABEL, 'the name of a Flux GitRepository')),
    dependsOn: optional(list(text(DNS_LABEL, 'the name of a Flux Kustomization'))),
    interval: optional(text(DURATION, 'a Go duration such as "10m"')),
  })),
  suppressions: optional(list(object<NonNullable<EnvironmentConfig['suppressions']>[number]>({ id: text(), reason: text() }))),
});

/** Path of an environment's config file. */
export function configFileOf(name: unknown): string {
  return typeof name === 'string' && (ENVIRONMENT_NAMES as readonly string[]).includes(name) ? `src/config/${name}.ts` : 'src/config/index.ts';
}

/**
 * Checks the shape of every environment config and the references between them, and returns
 * every mistake found. Policy (retention minimums, schedules, instance counts...) is left to
 * the guardrails, which see the rendered objects.
 */
export function validateEnvironments(configs: readonly unknown[]): ConfigError[] {
  const errors: ConfigError[] = [];
  const seen = new Map<unknown, number>();
  configs.forEach((config, index) => {
    const name = (config as any)?.name;
    const file = configFileOf(name);
    const report: Report = (field, message, value) => errors.push({ file, field: field || `environments[${index}]`, message, value });
    environmentSpec(config, '', report);
    if (seen.has(name)) report('name', `environment "${String(name)}" is defined twice (also at position ${seen.get(name)})`, name);
    seen.set(name, index);
  });
  if (errors.length > 0) return errors;

  const environments = configs as readonly EnvironmentConfig[];
  for (const env of environments) {
    const report: Report = (field, message, value) => errors.push({ file: configFileOf(env.name), field, message, value });
    if (env.objectStore.provider !== 'aws-s3' && env.objectStore.endpointURL === undefined) {
      report('objectStore.endpointURL', `is required for provider "${env.objectStore.provider}" (R2: "https://<account id>.r2.cloudflarestorage.com")`, undefined);
    }
    if (env.cloneFrom) {
      const chain = [env.name];
      let source: EnvironmentConfig | undefined = env;
      while (source?.cloneFrom) {
        const next: EnvironmentName = source.cloneFrom.environment;
        if (chain.includes(next)) {
          report('cloneFrom.environment', `clones form a cycle (${[...chain, next].join(' → ')}); one environment must bootstrap from initdb`, env.cloneFrom.environment);
          break;
        }
        chain.push(next);
        source = environments.find((candidate) => candidate.name === next);
        if (!source) report('cloneFrom.environment', `names environment "${next}", which is not configured (configured: ${environments.map((e) => e.name).join(', ')})`, next);
      }
    }
  }
  return errors;
}

/** `src/config/production.ts: cluster.instances: must be ... (got 0)` */
export function formatConfigError(error: ConfigError): string {
  const got = error.value === undefined ? '' : ` (got ${JSON.stringify(error.value)})`;
  return `${error.file}: ${error.field}: ${error.message}${got}`;
}
