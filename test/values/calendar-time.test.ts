import { calendarDay, calendarDayProblem, zonedTime, zonedTimeProblem } from '../../src/values/calendar-time';

/** Dates and times are read field by field: what does not exist is refused, never rolled over as Date.parse would. */
test('Date.parse alone would roll an impossible day over', () => {
  expect(new Date(Date.parse('2026-02-30T10:00:00Z')).toISOString()).toBe('2026-03-02T10:00:00.000Z');
});

describe('fails when', () => {
  test.each([
    ['2026-02-30T10:00:00Z', 'February 2026 has 28 days'],
    ['2026-02-29T10:00:00Z', 'February 2026 has 28 days'],
    ['2100-02-29T10:00:00Z', 'February 2100 has 28 days'],
    ['2026-04-31T10:00:00Z', 'April 2026 has 30 days'],
    ['2026-13-01T10:00:00Z', 'month 13 does not exist'],
    ['2026-11-20T24:00:00Z', 'hour 24 does not exist (00 to 23)'],
    ['2026-11-20T10:60:00Z', 'minute 60 does not exist (00 to 59)'],
    ['2026-11-20T10:00:60Z', 'second 60 does not exist (00 to 59)'],
    ['2026-11-20T10:00:00+24:00', 'zone offset +24:00 does not exist'],
    ['2026-11-20T10:00:00', 'it has no zone (Z or ±hh:mm)'],
    ['2026-11-20 10:00:00Z', 'it is not written YYYY-MM-DDTHH:MM:SS with a zone'],
  ])('the time is %s', (text, problem) => {
    expect(zonedTimeProblem(text)).toBe(problem);
    expect(zonedTime(text)).toBeUndefined();
  });
  test.each([['2026-02-30', 'February 2026 has 28 days'], ['2026-00-10', 'month 0 does not exist'], ['26-11-20', 'it is not written YYYY-MM-DD']])('the day is %s', (text, problem) => {
    expect(calendarDayProblem(text)).toBe(problem);
    expect(calendarDay(text)).toBeUndefined();
  });
});

test.each([
  ['2028-02-29T23:59:59Z', '2028-02-29T23:59:59.000Z'],
  ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
  ['2026-11-20T10:00:00.123456+01:30', '2026-11-20T08:30:00.123Z'],
  ['2026-12-31T23:00:00-02:00', '2027-01-01T01:00:00.000Z'],
])('reads %s as %s', (text, iso) => {
  expect(zonedTime(text)?.toISOString()).toBe(iso);
});

test('reads a real day as its midnight UTC', () => {
  expect(calendarDay('2028-02-29')?.toISOString()).toBe('2028-02-29T00:00:00.000Z');
});
