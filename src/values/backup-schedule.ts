import { CronExpressionParser } from 'cron-parser';

/**
 * A field of robfig/cron v1.2 (the parser CNPG uses) once month and weekday names are
 * removed: numbers, `*`, `?`, ranges, lists and steps. Quartz extensions such as `L`, `W`
 * and `#`, which other cron parsers accept, are not understood by CNPG.
 */
const ROBFIG_FIELD = /^[0-9*?,/-]+$/;
const NAMES = /JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT/gi;
const FIELD_NAMES = ['second', 'minute', 'hour', 'day of month', 'month', 'day of week'];

/** Why a schedule is not a six-field CNPG cron expression, or `undefined` when it is. */
export function scheduleProblem(schedule: string): string | undefined {
  const fields = schedule.trim().split(/\s+/).filter((field) => field !== '');
  if (fields.length !== 6) {
    const reading = fields.length === 5
      ? '; CNPG reads a five-field crontab seconds-first, so it would not run when you expect'
      : '';
    return `schedule has ${fields.length} fields, CNPG needs exactly 6 (seconds first)${reading}`;
  }
  const bad = fields.findIndex((field) => !ROBFIG_FIELD.test(field.replace(NAMES, '0')));
  if (bad >= 0) return `the ${FIELD_NAMES[bad]} field "${fields[bad]}" uses syntax CNPG's cron parser does not support`;
  try {
    CronExpressionParser.parse(fields.join(' '), { tz: 'UTC' });
    return undefined;
  } catch (error) {
    return `schedule does not parse: ${(error as Error).message}`;
  }
}

/**
 * The longest gap, in hours, between two consecutive runs of a valid schedule, measured
 * over 62 days from a fixed instant so the answer does not depend on when synthesis runs.
 */
export function longestGapHours(schedule: string): number {
  const from = new Date('2026-01-01T00:00:00Z');
  const until = from.getTime() + 62 * 24 * 3600 * 1000;
  const runs = CronExpressionParser.parse(schedule.trim(), { currentDate: from, endDate: new Date(until), tz: 'UTC' });
  let previous = from.getTime();
  let longest = 0;
  while (runs.hasNext()) {
    const next = runs.next().getTime();
    longest = Math.max(longest, next - previous);
    previous = next;
  }
  longest = Math.max(longest, until - previous);
  return longest / 3600_000;
}
