import { passRule } from './sql-finding';

export const maintenanceRewrite = passRule({
  id: 'LCK010',
  title: 'Maintenance commands do not rewrite tables under an exclusive lock',
  explanation: 'VACUUM FULL, CLUSTER and REFRESH MATERIALIZED VIEW rewrite the relation under an ACCESS EXCLUSIVE lock (reads wait too); REINDEX without CONCURRENTLY rebuilds every index while writes wait. A migration is the wrong place for them on a table in use.',
  fix: 'use REINDEX ... CONCURRENTLY and REFRESH MATERIALIZED VIEW CONCURRENTLY (it needs a unique index), alone in their migration; run VACUUM FULL or CLUSTER in a maintenance window, or use pg_repack',
  kinds: ['maintenance-rewrite'],
  scan: false,
  message: (effect) => `${effect.pass.cause} under a ${effect.lock} lock; use the CONCURRENTLY form alone in its migration, or a maintenance window`,
});
