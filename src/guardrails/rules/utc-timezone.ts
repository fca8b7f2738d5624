import { Guardrail } from '../rule';

/** Names PostgreSQL accepts for a zone without offset (compared case-insensitively). */
const UTC_NAMES = new Set(['utc', 'etc/utc', 'uct', 'etc/uct', 'gmt', 'etc/gmt', 'gmt0', 'etc/gmt0', 'etc/gmt+0', 'etc/gmt-0', 'greenwich', 'etc/greenwich', 'universal', 'etc/universal', 'zulu', 'etc/zulu', 'z']);

export const utcTimezone: Guardrail = {
  id: 'BKP006',
  title: 'The server keeps time in UTC, as backup times are read',
  explanation: 'barman-cloud-backup writes a backup\'s begin and end time in the PostgreSQL server\'s time zone without an offset, and the Barman Cloud plugin reads them as UTC. With another `timezone`, Backup.status.stoppedAt is off by the offset: the migration gate\'s freshness check refuses a fresh backup (west of UTC) or accepts an old one (east of it), and a restore to a time without a pinned backupId can pick a base backup that ends after its target.',
  fix: 'leave cluster.postgresqlParameters.timezone unset (the CNPG images run in UTC) or set it to "UTC"; set the time zone of application sessions instead (ALTER DATABASE ... SET timezone, or per connection)',
  configField: 'cluster.postgresqlParameters.timezone',
  kinds: ['Cluster'],
  check(cluster) {
    const timezone = cluster.manifest.spec?.postgresql?.parameters?.timezone;
    if (timezone === undefined || UTC_NAMES.has(String(timezone).trim().replace(/^'|'$/g, '').toLowerCase())) return [];
    return [{ message: `cluster ${cluster.name} keeps time in ${timezone}, but the plugin reads backup times as UTC`, value: timezone }];
  },
};
