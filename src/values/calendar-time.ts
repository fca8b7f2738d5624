/**
 * Days and times read field by field, never through `Date.parse` alone: JavaScript rolls an
 * impossible date over (`2026-02-30T10:00:00Z` is read as March 2, `T24:00:00` as the next day),
 * so a typo would silently become another moment.
 */

/** RFC 3339 with an explicit zone (`Z` or `±hh:mm`), optionally with fractional seconds. */
const ZONED_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;
/** A day, `YYYY-MM-DD`. */
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Why year-month-day is no day of the calendar, or undefined. */
function dayProblem(year: number, month: number, day: number): string | undefined {
  if (month < 1 || month > 12) return `month ${month} does not exist`;
  const days = daysInMonth(year, month);
  return day < 1 || day > days ? `${MONTHS[month - 1]} ${year} has ${days} days` : undefined;
}

/**
 * Why `text` is not a real RFC 3339 time with a zone, in words ("February 2026 has 28 days",
 * "no zone"), or undefined when it is one.
 */
export function zonedTimeProblem(text: string): string | undefined {
  const match = ZONED_TIME.exec(text);
  if (!match) return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(text) ? 'it has no zone (Z or ±hh:mm)' : 'it is not written YYYY-MM-DDTHH:MM:SS with a zone';
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const [offsetHours, offsetMinutes] = [match[9], match[10]].map((part) => Number(part ?? 0));
  const problem = dayProblem(year, month, day)
    ?? (hour > 23 ? `hour ${hour} does not exist (00 to 23)` : undefined)
    ?? (minute > 59 ? `minute ${minute} does not exist (00 to 59)` : undefined)
    ?? (second > 59 ? `second ${second} does not exist (00 to 59)` : undefined)
    ?? (offsetHours > 23 || offsetMinutes > 59 ? `zone offset ${match[8]} does not exist` : undefined);
  return problem;
}

/** The moment an RFC 3339 time with a zone names, or undefined when it names none. */
export function zonedTime(text: string): Date | undefined {
  return zonedTimeProblem(text) === undefined ? new Date(Date.parse(text)) : undefined;
}

/** Why `text` is not a real day `YYYY-MM-DD` ("February 2026 has 28 days"), or undefined when it is one. */
export function calendarDayProblem(text: string): string | undefined {
  const match = DAY.exec(text);
  return match ? dayProblem(Number(match[1]), Number(match[2]), Number(match[3])) : 'it is not written YYYY-MM-DD';
}

/** Midnight UTC of a real day `YYYY-MM-DD`, or undefined. */
export function calendarDay(text: string): Date | undefined {
  return calendarDayProblem(text) === undefined ? new Date(`${text}T00:00:00Z`) : undefined;
}
