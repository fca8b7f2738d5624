import type { CronExpressionParser } from 'cron-parser';
import { cachedResult } from '../result-cache';

/**
 * A field of robfig/cron v1.2 (the parser CNPG uses) once month and weekday names are
 * removed: numbers, `*`, `?`, ranges, lists and steps. Quartz extensions such as `L`, `W`
 * and `#`, which other cron parsers accept, are not understood by CNPG.
 */
const ROBFIG_FIELD = /^[0-9*?,/-]+$/;
const NAMES = /JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC|SUN|MON|TUE|WED|THU|FRI|SAT/gi;
const FIELD_NAMES = ['second', 'minute', 'hour', 'day of month', 'month', 'day of week'];

type CronFields = ReturnType<typeof CronExpressionParser.parse>['fields'];

const DAY_SECONDS = 86_400;
/** Three years from a fixed day, leap day included, so the answer never depends on "now". */
const WINDOW_START = Date.UTC(2026, 0, 1);
const WINDOW_DAYS = 1096;

/** Distances between consecutive values, each step worth `unit` seconds, less the span nested inside. */
function steps(values: readonly number[], unit: number, innerSpan: number): number[] {
  return values.slice(1).map((value, index) => (value - values[index]) * unit - innerSpan);
}

/**
 * The longest and the shortest gap, in hours, between two consecutive runs, computed from the
 * parsed fields over three calendar years (UTC) instead of by iterating every run. Day-of-month
 * and day-of-week combine like robfig/cron: OR when both are restricted, AND when either is `*`
 * or `?`. The longest is `Infinity` when it runs on fewer than two days, the shortest when it
 * runs less than twice.
 */
function gapHoursOf(fields: CronFields): { readonly longest: number; readonly shortest: number } {
  const seconds = [...fields.second.values].sort((a, b) => a - b);
  const minutes = [...fields.minute.values].sort((a, b) => a - b);
  const hours = [...fields.hour.values].sort((a, b) => a - b);
  const secondSpan = seconds.at(-1)! - seconds[0];
  const minuteSpan = (minutes.at(-1)! - minutes[0]) * 60 + secondSpan;
  const daySpan = (hours.at(-1)! - hours[0]) * 3600 + minuteSpan;
  const withinDay = [...steps(seconds, 1, 0), ...steps(minutes, 60, secondSpan), ...steps(hours, 3600, minuteSpan)];

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
  const gaps = [...withinDay, ...steps(runDays, DAY_SECONDS, daySpan)];
  return {
    longest: runDays.length < 2 ? Infinity : Math.max(0, ...gaps) / 3600,
    shortest: runDays.length === 0 || gaps.length === 0 ? Infinity : Math.min(...gaps) / 3600,
  };
}

/** What is known of an expression: why it is no schedule, or its longest and shortest gap (null: none; JSON has no Infinity). */
type ScheduleReading = { readonly problem: string } | { readonly longestGapHours: number | null; readonly shortestGapHours: number | null };

function readSchedule(expression: string): ScheduleReading {
  const fields = expression.trim().split(/\s+/).filter((field) => field !== '');
  if (fields.length !== 6) {
    const reading = fields.length === 5
      ? '; CNPG reads a five-field crontab seconds-first, so it would not run when you expect'
      : '';
    return { problem: `schedule has ${fields.length} fields, CNPG needs exactly 6 (seconds first)${reading}` };
  }
  const bad = fields.findIndex((field) => !ROBFIG_FIELD.test(field.replace(NAMES, '0')));
  if (bad >= 0) return { problem: `the ${FIELD_NAMES[bad]} field "${fields[bad]}" uses syntax CNPG's cron parser does not support` };
  const parser = (require('cron-parser') as { CronExpressionParser: typeof CronExpressionParser }).CronExpressionParser;
  let parsed: CronFields;
  try {
    parsed = parser.parse(fields.join(' '), { tz: 'UTC' }).fields;
  } catch (error) {
    return { problem: `schedule does not parse: ${(error as Error).message}` };
  }
  const { longest, shortest } = gapHoursOf(parsed);
  return { longestGapHours: Number.isFinite(longest) ? longest : null, shortestGapHours: Number.isFinite(shortest) ? shortest : null };
}

/**
 * A CNPG backup schedule: six cron fields, seconds first, as robfig/cron v1.2 reads them
 * (`0 0 3 * * *` is 03:00:00 every day). The only place a schedule is parsed: guardrails and
 * monitoring read a rendered schedule through `parse`, which refuses what CNPG would not run
 * as written (`problemOf` says why).
 * @see https://cloudnative-pg.io/documentation/1.30/backup/#scheduled-backups
 */
export class BackupSchedule {
  /** Why a schedule is not a six-field CNPG cron expression, or `undefined` when it is one. */
  public static problemOf(expression: string): string | undefined {
    const read = BackupSchedule.read(expression);
    return read instanceof BackupSchedule ? undefined : read;
  }

  /** The schedule, or `undefined` when it is none (see `problemOf`). */
  public static parse(expression: string): BackupSchedule | undefined {
    const read = BackupSchedule.read(expression);
    return read instanceof BackupSchedule ? read : undefined;
  }

  /**
   * Every schedule is read by two rules and the monitoring, usually the same for every database,
   * and in every run: what is known of it is kept (src/result-cache.ts), and cron-parser is only
   * loaded for a schedule not seen before.
   */
  private static read(expression: string): BackupSchedule | string {
    const reading = cachedResult('backup-schedule', expression, readSchedule);
    return 'problem' in reading ? reading.problem : new BackupSchedule(expression, reading.longestGapHours ?? Infinity, reading.shortestGapHours ?? Infinity);
  }

  private constructor(
    /** The expression as written. */
    public readonly expression: string,
    private readonly longestGap: number,
    private readonly shortestGap: number,
  ) {}

  /** The longest time between two consecutive runs, in hours; `Infinity` when it runs on fewer than two days in three years. */
  public longestGapHours(): number {
    return this.longestGap;
  }

  /** The shortest time between two consecutive runs, in hours (`* * * * * *`: 1/3600); `Infinity` when it runs less than twice in three years. */
  public shortestGapHours(): number {
    return this.shortestGap;
  }
}
