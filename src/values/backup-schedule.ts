import { CronExpressionParser } from 'cron-parser';

/**
 * A field of robfig/cron v1.2 (the parser CNPG uses) once month and weekday names are
 * removed: numbers, `*`, `?`, ranges, lists and steps. Quartz extensions such as `L`, `W`
 * and `#`, which other cron parsers accept, are not understood by CNPG.
 */
const ROBFIG_FIELD = /^[0-9*?,/-]+$/;
const NAMES = /JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT/gi;
const FIELD_NAMES = ['second', 'minute', 'hour', 'day of month', 'month', 'day of week'];

/** Every schedule is read by two rules and the monitoring: parse each distinct one once. */
const parsed = new Map<string, ReturnType<typeof CronExpressionParser.parse>['fields']>();

function fieldsOf(schedule: string): ReturnType<typeof CronExpressionParser.parse>['fields'] {
  let fields = parsed.get(schedule);
  if (fields === undefined) {
    fields = CronExpressionParser.parse(schedule, { tz: 'UTC' }).fields;
    parsed.set(schedule, fields);
  }
  return fields;
}

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
    fieldsOf(fields.join(' '));
    return undefined;
  } catch (error) {
    return `schedule does not parse: ${(error as Error).message}`;
  }
}

const DAY_SECONDS = 86_400;
/** Three years from a fixed day, leap day included, so the answer never depends on "now". */
const WINDOW_START = Date.UTC(2026, 0, 1);
const WINDOW_DAYS = 1096;

/** Largest distance between consecutive values, each step worth `unit` seconds, less the span nested inside. */
function widestStep(values: readonly number[], unit: number, innerSpan: number): number {
  let widest = 0;
  for (let index = 1; index < values.length; index += 1) {
    widest = Math.max(widest, (values[index] - values[index - 1]) * unit - innerSpan);
  }
  return widest;
}

/**
 * The longest gap, in hours, between two consecutive runs of a valid six-field schedule,
 * computed from the parsed fields over three calendar years (UTC) instead of by iterating
 * every run. Day-of-month and day-of-week combine like robfig/cron: OR when both are
 * restricted, AND when either is `*` or `?`. `Infinity` when it runs less than twice.
 * Remembered per schedule: every database of an environment usually shares one.
 */
export function longestGapHours(schedule: string): number {
  let hours = gaps.get(schedule);
  if (hours === undefined) {
    hours = computeLongestGapHours(schedule);
    gaps.set(schedule, hours);
  }
  return hours;
}

const gaps = new Map<string, number>();

function computeLongestGapHours(schedule: string): number {
  const fields = fieldsOf(schedule.trim().split(/\s+/).join(' '));
  const seconds = [...fields.second.values].sort((a, b) => a - b);
  const minutes = [...fields.minute.values].sort((a, b) => a - b);
  const hours = [...fields.hour.values].sort((a, b) => a - b);
  const secondSpan = seconds.at(-1)! - seconds[0];
  const minuteSpan = (minutes.at(-1)! - minutes[0]) * 60 + secondSpan;
  const daySpan = (hours.at(-1)! - hours[0]) * 3600 + minuteSpan;
  let longest = Math.max(widestStep(seconds, 1, 0), widestStep(minutes, 60, secondSpan), widestStep(hours, 3600, minuteSpan));

  const either = !fields.dayOfMonth.isWildcard && !fields.dayOfWeek.isWildcard;
  const runDays: number[] = [];
  for (let day = 0; day < WINDOW_DAYS; day += 1) {
    const date = new Date(WINDOW_START + day * DAY_SECONDS * 1000);
    const weekday = date.getUTCDay();
    const dayOfMonth = (fields.dayOfMonth.values as readonly (number | string)[]).includes(date.getUTCDate());
    const dayOfWeek = (fields.dayOfWeek.values as readonly (number | string)[]).some((value) => value === weekday || (weekday === 0 && value === 7));
    const dayMatches = either ? dayOfMonth || dayOfWeek : dayOfMonth && dayOfWeek;
    if (dayMatches && (fields.month.values as readonly number[]).includes(date.getUTCMonth() + 1)) runDays.push(day);
  }
  if (runDays.length < 2) return Infinity;
  longest = Math.max(longest, widestStep(runDays, DAY_SECONDS, daySpan));
  return longest / 3600;
}
