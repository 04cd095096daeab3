import type { BudgetPeriod } from './budget.entity';

/** Where a `total` budget's one window starts: it never resets. */
export const TOTAL_WINDOW_START = new Date(0);

/** Whether `timeZone` is an IANA zone this runtime knows (`UTC`, `Asia/Shanghai`, …). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

interface WallTime {
  year: number;
  month: number;
  day: number;
  weekday: number;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** One formatter per zone: building one costs far more than using it, and the call path asks on every call. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

function wallTime(at: Date, timeZone: string): WallTime & { hour: number; minute: number; second: number } {
  const parts = formatterFor(timeZone).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)!.value;
  return {
    year: Number(part('year')),
    month: Number(part('month')),
    day: Number(part('day')),
    hour: Number(part('hour')),
    minute: Number(part('minute')),
    second: Number(part('second')),
    weekday: WEEKDAYS.indexOf(part('weekday')),
  };
}

/** The instant the clocks of `timeZone` show midnight of that calendar day (the zone's offset taken at that instant). */
function localMidnight(year: number, month: number, day: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day);
  let guess = wall;
  // Two rounds settle the offset, also across a daylight-saving change on that day.
  for (let round = 0; round < 2; round += 1) {
    const seen = wallTime(new Date(guess), timeZone);
    const seenWall = Date.UTC(seen.year, seen.month - 1, seen.day, seen.hour, seen.minute, seen.second);
    guess += wall - seenWall;
  }
  return new Date(guess);
}

/**
 * The start of the window holding `at`: local midnight of the day, of the week's Monday, or of the month's first day
 * in `timeZone`; `total` has one window from the epoch.
 */
export function windowStart(period: BudgetPeriod, timeZone: string, at: Date): Date {
  if (period === 'total') return TOTAL_WINDOW_START;
  const local = wallTime(at, timeZone);
  if (period === 'day') return localMidnight(local.year, local.month, local.day, timeZone);
  if (period === 'month') return localMidnight(local.year, local.month, 1, timeZone);
  const monday = new Date(Date.UTC(local.year, local.month - 1, local.day - local.weekday));
  return localMidnight(monday.getUTCFullYear(), monday.getUTCMonth() + 1, monday.getUTCDate(), timeZone);
}

/** When the window holding `at` ends and the spend resets; `null` for `total`. */
export function windowEnd(period: BudgetPeriod, timeZone: string, at: Date): Date | null {
  if (period === 'total') return null;
  const start = wallTime(windowStart(period, timeZone, at), timeZone);
  if (period === 'day') return localMidnight(start.year, start.month, start.day + 1, timeZone);
  if (period === 'week') return localMidnight(start.year, start.month, start.day + 7, timeZone);
  return localMidnight(start.year, start.month + 1, 1, timeZone);
}
