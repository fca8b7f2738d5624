/**
 * Names that controllers, admission policies and guardrails read (labels, annotations, the
 * plugin), shared by the constructs, the guardrails, the plan and the runbooks, so each is spelt
 * in one place.
 * @see https://fluxcd.io/flux/components/kustomize/kustomizations/#controlling-the-apply-behavior-of-resources
 */

/**
 * Flux never deletes the object when it leaves Git (or its Kustomization is deleted): what a
 * running database needs (its Cluster, archive, credentials, backups, alerts) is removed only by
 * a deliberate `kubectl delete`.
 */
export const FLUX_KEEP_WHEN_REMOVED = { 'kustomize.toolkit.fluxcd.io/prune': 'disabled' } as const;

/**
 * Flux applies the object only while it is absent: a migration Job is never patched or
 * re-created by a change elsewhere in Git (an image bump, a re-clone), so it runs once.
 */
export const FLUX_APPLY_ONCE = { 'kustomize.toolkit.fluxcd.io/ssa': 'IfNotPresent' } as const;

/** The deletion-reason annotation DEL001 requires before a production Cluster or ObjectStore may be deleted. */
export const DELETION_REASON_ANNOTATION = 'cnpg-gitops.io/deletion-reason';

/** `kubectl` resource names (`<plural>.<group>`) of the kinds runbooks act on. */
export const API_RESOURCES: Readonly<Record<string, string>> = {
  Backup: 'backups.postgresql.cnpg.io',
  Cluster: 'clusters.postgresql.cnpg.io',
  ScheduledBackup: 'scheduledbackups.postgresql.cnpg.io',
  ObjectStore: 'objectstores.barmancloud.cnpg.io',
  ExternalSecret: 'externalsecrets.external-secrets.io',
  PodMonitor: 'podmonitors.monitoring.coreos.com',
  PrometheusRule: 'prometheusrules.monitoring.coreos.com',
  Job: 'jobs.batch',
};

/** Labels and annotations a migration Job carries; admission policies and rules read them. */
export const MIGRATION_LABEL = 'cnpg-gitops.io/migration';

export const MIGRATION_ANNOTATIONS = {
  cluster: 'cnpg-gitops.io/cluster',
  sqlSha256: 'cnpg-gitops.io/sql-sha256',
  phase: 'cnpg-gitops.io/phase',
  release: 'cnpg-gitops.io/release',
  rollbackStrategies: 'cnpg-gitops.io/rollback-strategies',
  rollbackSteps: 'cnpg-gitops.io/rollback-steps',
  /** The migration that must be in the ledger before this one starts; empty for a database's first. */
  after: 'cnpg-gitops.io/after',
} as const;

/** Annotations of a restored Cluster; the restore guardrails read them. */
export const RESTORE_ANNOTATIONS = {
  source: 'cnpg-gitops.io/restore-of',
  migration: 'cnpg-gitops.io/rolls-back-migration',
  /**
   * The end of the pinned base backup (its Backup's status.stoppedAt, UTC), when the config gives
   * it: recovery cannot stop before it, and barman's id only says when the backup started.
   */
  backupStoppedAt: 'cnpg-gitops.io/base-backup-stopped-at',
} as const;

/**
 * Names, on an ObjectStore or a Cluster, the Secret the repository provides itself (e.g.
 * SOPS-encrypted) for its credentials, which no ExternalSecret renders.
 */
export const PROVIDED_BY_REPOSITORY = 'cnpg-gitops.io/provided-by-repository';

/** The kind of store an ObjectStore was written for (`cloudflare-r2`, `aws-s3`, `s3-compatible`): OBJ001 checks its endpoint against it. */
export const OBJECT_STORE_PROVIDER = 'cnpg-gitops.io/object-store-provider';

/** Name of the Barman Cloud CNPG-I plugin, as registered with the operator. */
export const BARMAN_CLOUD_PLUGIN = 'barman-cloud.cloudnative-pg.io';
