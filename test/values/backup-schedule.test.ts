import { BackupSchedule } from '../../src/values/backup-schedule';

describe('BackupSchedule.problemOf and parse', () => {
  test.each([
    ['0 0 3 * * *'],
    ['0 30 */6 * * *'],
    ['0 0 3 ? * WED'],
    ['0 0 3 * JAN-MAR MON-FRI'],
    ['*/10 * * * * *'],
  ])('accepts the six-field robfig schedule %s', (schedule) => {
    expect(BackupSchedule.problemOf(schedule)).toBeUndefined();
    expect(BackupSchedule.parse(schedule)?.expression).toBe(schedule);
  });

  describe('fails when', () => {
    test.each([
      ['0 3 * * *', /5 fields, CNPG needs exactly 6.*seconds-first/],
      ['@daily', /1 fields/],
      ['0 0 3 * * * *', /7 fields/],
      ['', /0 fields/],
      ['0 0 3 L * *', /day of month field "L"/],
      ['0 0 3 * * 1#2', /day of week field "1#2"/],
      ['0 0 3 * * 5L', /day of week field "5L"/],
      ['0 0 25 * * *', /does not parse: .*0-23/],
      ['0 61 3 * * *', /does not parse/],
    ])('the schedule is %j', (schedule, message) => {
      expect(BackupSchedule.problemOf(schedule)).toMatch(message);
      expect(BackupSchedule.parse(schedule)).toBeUndefined();
    });
  });
});

describe('shortestGapHours', () => {
  test.each([
    ['* * * * * *', 1 / 3600],
    ['0 * * * * *', 1 / 60],
    ['0 0 3 * * *', 24],
    ['0 30 */6 * * *', 6],
    ['0 0 0,23 * * *', 1],
    ['0 0 3 * * MON-FRI', 24],
    ['0 0 3 * * SUN', 168],
    // 23:59:00 and 23:59:50, then 00:00:00 the next day: ten seconds.
    ['0,50 0,59 0,23 * * *', 10 / 3600],
    ['0 0 3 1,2 * *', 24],
  ])('%s is at least %d hours apart', (schedule, hours) => {
    expect(BackupSchedule.parse(schedule)!.shortestGapHours()).toBeCloseTo(hours, 6);
  });

  test('a schedule that runs once in three years has no finite gap', () => {
    expect(BackupSchedule.parse('0 0 3 29 2 *')!.shortestGapHours()).toBe(Infinity);
  });
});

describe('longestGapHours', () => {
  test.each([
    ['0 0 3 * * *', 24],
    ['0 30 */6 * * *', 6],
    ['0 0 0,23 * * *', 23],
    ['0 0 3 * * MON-FRI', 72],
    ['0 0 3 * * SUN', 168],
    ['0 0 3 1 * *', 31 * 24],
    ['*/10 * * * * *', 10 / 3600],
    // Day-of-month and day-of-week both restricted: robfig runs on either (OR).
    ['0 0 3 1 * MON', 7 * 24],
  ])('%s is at most %d hours apart', (schedule, hours) => {
    expect(BackupSchedule.parse(schedule)!.longestGapHours()).toBeCloseTo(hours, 6);
  });

  test('a schedule that runs once in three years has no finite gap', () => {
    // 29 February falls only in 2028 inside the window.
    expect(BackupSchedule.parse('0 0 3 29 2 *')!.longestGapHours()).toBe(Infinity);
  });
});
