import { JsonPatch } from 'cdk8s';
import { idsIn, objectOf, shippedEnvironments, violationsAfter, violationsOf, withEnvironment, withoutShippedWarnings } from '../helpers/fixtures';

/** Backups (BKP): retention, schedules and their frequency, the plugin method, UTC. */

describe('BKP001: retention policy format', () => {
  test.each(['30 days', '0d', '1y', '7D', ' 7d'])('Noncompliance: %j', (retentionPolicy) => {
    const violations = violationsOf(withEnvironment('develop', (env) => { env.backup.retentionPolicy = retentionPolicy; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'BKP001', environment: 'develop', configField: 'backup.retentionPolicy', value: retentionPolicy }));
  });
  test.each(['7d', '2w', '1m', '365d'])('Compliance: %j', (retentionPolicy) => {
    expect(idsIn(violationsOf(withEnvironment('develop', (env) => { env.backup.retentionPolicy = retentionPolicy; })))).not.toContain('BKP001');
  });
});

describe('BKP002: retention minimum per environment', () => {
  test('Noncompliance: production keeps 14 days, needs 30', () => {
    const violations = violationsOf(withEnvironment('production', (env) => { env.backup.retentionPolicy = '14d'; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'BKP002', severity: 'error', message: 'retention keeps 14 days, production needs at least 30' }));
  });
  test('Noncompliance: develop keeps 6 days, needs 7', () => {
    expect(idsIn(violationsOf(withEnvironment('develop', (env) => { env.backup.retentionPolicy = '6d'; })), 'develop')).toContain('BKP002');
  });
  test.each(['30d', '5w', '1m'])('Compliance: production keeps %s', (retentionPolicy) => {
    expect(idsIn(violationsOf(withEnvironment('production', (env) => { env.backup.retentionPolicy = retentionPolicy; })))).not.toContain('BKP002');
  });
});

describe('BKP003: six-field schedule', () => {
  test('Noncompliance: a five-field crontab', () => {
    const violations = violationsOf(withEnvironment('staging', (env) => { env.backup.schedule = '0 3 * * *'; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'BKP003', environment: 'staging', configField: 'backup.schedule', value: '0 3 * * *' }));
  });
  test('Noncompliance: an out-of-range hour', () => {
    expect(idsIn(withoutShippedWarnings(violationsOf(withEnvironment('staging', (env) => { env.backup.schedule = '0 0 24 * * *'; }))))).toEqual(['BKP003']);
  });
  test('Compliance: six fields, seconds first', () => {
    expect(idsIn(violationsOf(withEnvironment('staging', (env) => { env.backup.schedule = '0 15 2 * * *'; })))).not.toContain('BKP003');
  });
});

describe('BKP004: backup frequency', () => {
  test('Noncompliance: weekly backups in production are an error', () => {
    const violations = violationsOf(withEnvironment('production', (env) => { env.backup.schedule = '0 0 3 * * SUN'; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'BKP004', severity: 'error', message: 'backups can be 168 hours apart, production allows at most 24' }));
  });
  test('Noncompliance: weekday-only backups in staging are a warning', () => {
    const violations = violationsOf(withEnvironment('staging', (env) => { env.backup.schedule = '0 0 3 * * MON-FRI'; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'BKP004', severity: 'warning', environment: 'staging' }));
  });
  test('Compliance: weekly backups are fine in develop', () => {
    expect(idsIn(violationsOf(withEnvironment('develop', (env) => { env.backup.schedule = '0 0 3 * * SUN'; })))).not.toContain('BKP004');
  });
});

describe('BKP007: backups not scheduled too close together', () => {
  test.each([
    ['* * * * * *', '1 second'],
    ['0 * * * * *', '1 minute'],
    ['0 0,30 * * * *', '30 minutes'],
    // 23:59:00, then 00:00:00 the next day.
    ['0 0,59 0,23 * * *', '1 minute'],
  ])('Noncompliance: %j in production', (schedule, gap) => {
    const violations = violationsOf(withEnvironment('production', (env) => { env.backup.schedule = schedule; }));
    expect(violations).toContainEqual(expect.objectContaining({
      ruleId: 'BKP007', severity: 'error', configFile: 'src/config/production.ts', configField: 'backup.schedule', value: schedule,
      message: `backups can start ${gap} apart, production needs at least 1 hour between them`,
    }));
  });
  test('Noncompliance: an error in develop too', () => {
    const violations = violationsOf(withEnvironment('develop', (env) => { env.backup.schedule = '0 */10 * * * *'; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'BKP007', severity: 'error', environment: 'develop', value: '0 */10 * * * *' }));
  });
  test.each(['0 0 * * * *', '0 0 3 * * *', '0 59 22 * * *'])('Compliance: %j', (schedule) => {
    expect(idsIn(violationsOf(withEnvironment('production', (env) => { env.backup.schedule = schedule; })))).not.toContain('BKP007');
  });
});

describe('BKP005: method plugin with pluginConfiguration', () => {
  test('Noncompliance: an override back to the default method', () => {
    const violations = violationsAfter((charts) => objectOf(charts, 'develop', 'ScheduledBackup').addJsonPatch(JsonPatch.remove('/spec/method')));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'BKP005', value: '(unset: barmanObjectStore)' }));
  });
  test('Noncompliance: pluginConfiguration removed', () => {
    const violations = violationsAfter((charts) => objectOf(charts, 'develop', 'ScheduledBackup').addJsonPatch(JsonPatch.remove('/spec/pluginConfiguration')));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'BKP005', message: 'ScheduledBackup pluginConfiguration.name is not barman-cloud.cloudnative-pg.io' }));
  });
  test('Compliance: what ScheduledBackup renders', () => {
    expect(idsIn(violationsAfter(() => undefined))).not.toContain('BKP005');
  });
});

describe('BKP006: the server keeps time in UTC', () => {
  test.each(['Europe/Berlin', 'America/New_York', '+02', 'CET'])('Noncompliance: %s', (timezone) => {
    const violations = violationsOf(withEnvironment('production', (env) => { env.cluster.postgresqlParameters = { timezone }; }));
    expect(violations).toContainEqual(expect.objectContaining({ ruleId: 'BKP006', severity: 'error', configField: 'cluster.postgresqlParameters.timezone', value: timezone }));
  });
  test.each(['UTC', 'Etc/UTC', 'gmt', 'Zulu'])('Compliance: %s', (timezone) => {
    expect(idsIn(violationsOf(withEnvironment('production', (env) => { env.cluster.postgresqlParameters = { timezone }; })))).not.toContain('BKP006');
  });
  test('Compliance: unset (the images run in UTC)', () => {
    expect(idsIn(violationsOf(shippedEnvironments()))).not.toContain('BKP006');
  });
});
