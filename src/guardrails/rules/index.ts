import { Guardrail } from '../rule';
import { appCredentialsExternal } from './app-credentials-external';
import { batchedDml } from './batched-dml';
import { checkNotValid } from './check-not-valid';
import { columnRewrite } from './column-rewrite';
import { enumValueCommitted } from './enum-value-committed';
import { foreignKeyNotValid } from './foreign-key-not-valid';
import { indexConcurrently } from './index-concurrently';
import { lockHeldAcross } from './lock-held-across';
import { maintenanceRewrite } from './maintenance-rewrite';
import { narrowingInExpand } from './narrowing-in-expand';
import { notAnalysed } from './not-analysed';
import { partitionScan } from './partition-scan';
import { setNotNull } from './set-not-null';
import { tableRewrite } from './table-rewrite';
import { timeoutsKept } from './timeouts-kept';
import { uniqueUsingIndex } from './unique-using-index';
import { contractAfterExpand } from './contract-after-expand';
import { expandContract } from './expand-contract';
import { imageDigest } from './image-digest';
import { jobSafety } from './job-safety';
import { preMigrationBackup } from './pre-migration-backup';
import { rollbackPlan } from './rollback-plan';
import { singleTransaction } from './single-transaction';
import { sqlParses } from './sql-parses';
import { stagingValidation } from './staging-validation';
import { substitutionSafe } from './substitution-safe';
import { archiveIsolation } from './archive-isolation';
import { clusterName } from './cluster-name';
import { volumeShrink } from './volume-shrink';
import { credentialsByReference } from './credentials-by-reference';
import { deletionProtection } from './deletion-protection';
import { endpointURL } from './endpoint-url';
import { instancesMinimum } from './instances-minimum';
import { noNativeBarmanObjectStore } from './no-native-barman';
import { pluginMethod } from './plugin-method';
import { recoveryServerName } from './recovery-server-name';
import { recoveryVolumes } from './recovery-volumes';
import { resourcesSet } from './resources-set';
import { restoreLaterCommit } from './restore-later-commit';
import { restoreTarget } from './restore-target';
import { restoreWindow } from './restore-window';
import { retentionFormat } from './retention-format';
import { retentionMinimum } from './retention-minimum';
import { scheduleFormat } from './schedule-format';
import { scheduleFrequency } from './schedule-frequency';
import { scheduleSpacing } from './schedule-spacing';
import { superuserDisabled } from './superuser-disabled';
import { utcTimezone } from './utc-timezone';
import { walArchiving } from './wal-archiving';
import { zoneAntiAffinity } from './zone-anti-affinity';

/** Every guardrail, in id order. */
export const GUARDRAILS: readonly Guardrail[] = [
  retentionFormat,
  retentionMinimum,
  scheduleFormat,
  scheduleFrequency,
  pluginMethod,
  utcTimezone,
  scheduleSpacing,
  clusterName,
  volumeShrink,
  deletionProtection,
  substitutionSafe,
  instancesMinimum,
  zoneAntiAffinity,
  resourcesSet,
  imageDigest,
  indexConcurrently,
  checkNotValid,
  foreignKeyNotValid,
  columnRewrite,
  timeoutsKept,
  setNotNull,
  tableRewrite,
  uniqueUsingIndex,
  lockHeldAcross,
  maintenanceRewrite,
  partitionScan,
  batchedDml,
  preMigrationBackup,
  rollbackPlan,
  expandContract,
  contractAfterExpand,
  sqlParses,
  stagingValidation,
  jobSafety,
  singleTransaction,
  notAnalysed,
  enumValueCommitted,
  narrowingInExpand,
  endpointURL,
  recoveryServerName,
  recoveryVolumes,
  restoreTarget,
  restoreWindow,
  restoreLaterCommit,
  credentialsByReference,
  appCredentialsExternal,
  superuserDisabled,
  walArchiving,
  noNativeBarmanObjectStore,
  archiveIsolation,
];
