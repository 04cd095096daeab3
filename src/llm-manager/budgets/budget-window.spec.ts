import { isKnownTimeZone, windowEnd, windowStart } from './budget-window';

const at = (iso: string): Date => new Date(iso);

describe('budget windows, calendar-aligned in a time zone', () => {
  it('a day in UTC and in Asia/Shanghai (UTC+8): 2026-03-10 20:00 UTC is already the 11th in Shanghai', () => {
    const now = at('2026-03-10T20:00:00Z');
    expect(windowStart('day', 'UTC', now).toISOString()).toBe('2026-03-10T00:00:00.000Z');
    expect(windowEnd('day', 'UTC', now)!.toISOString()).toBe('2026-03-11T00:00:00.000Z');
    expect(windowStart('day', 'Asia/Shanghai', now).toISOString()).toBe('2026-03-10T16:00:00.000Z');
    expect(windowEnd('day', 'Asia/Shanghai', now)!.toISOString()).toBe('2026-03-11T16:00:00.000Z');
  });

  it('a week starts on Monday; a month on its first day, across the year end', () => {
    // 2026-03-12 is a Thursday.
    expect(windowStart('week', 'UTC', at('2026-03-12T10:00:00Z')).toISOString()).toBe('2026-03-09T00:00:00.000Z');
    expect(windowEnd('week', 'UTC', at('2026-03-12T10:00:00Z'))!.toISOString()).toBe('2026-03-16T00:00:00.000Z');
    // Sunday belongs to the week that began the Monday before.
    expect(windowStart('week', 'UTC', at('2026-03-15T23:59:59Z')).toISOString()).toBe('2026-03-09T00:00:00.000Z');
    expect(windowStart('month', 'Asia/Shanghai', at('2026-12-31T17:00:00Z')).toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(windowEnd('month', 'UTC', at('2026-12-15T00:00:00Z'))!.toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('follows daylight saving: a New York day is 23 hours on the spring change', () => {
    const start = windowStart('day', 'America/New_York', at('2026-03-08T12:00:00Z'));
    const end = windowEnd('day', 'America/New_York', at('2026-03-08T12:00:00Z'))!;
    expect(start.toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(end.toISOString()).toBe('2026-03-09T04:00:00.000Z');
  });

  it('total never resets; unknown zones are told apart', () => {
    expect(windowStart('total', 'UTC', at('2026-03-10T00:00:00Z')).getTime()).toBe(0);
    expect(windowEnd('total', 'UTC', at('2026-03-10T00:00:00Z'))).toBeNull();
    expect(isKnownTimeZone('Asia/Shanghai')).toBe(true);
    expect(isKnownTimeZone('Mars/Olympus')).toBe(false);
  });
});
