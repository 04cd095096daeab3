import { usageError } from '../cli-exit';

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/**
 * The cut-off of `--older-than`: a duration back from `now` (`90d`, `12h`, `2w`, `30m`, `45s`) or an ISO date
 * (`2025-01-31`, `2025-01-31T12:00:00Z`), which must lie in the past.
 * @throws CliError (usage) for anything else.
 */
export function cutoffFrom(value: string, now: Date): Date {
  const duration = /^(\d{1,7})\s*([smhdw])$/i.exec(value.trim());
  if (duration) {
    const amount = Number(duration[1]);
    if (amount === 0) throw usageError(`--older-than ${value} would delete everything up to now; give a positive age.`);
    return new Date(now.getTime() - amount * UNIT_MS[duration[2].toLowerCase()]);
  }
  if (/^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) {
    const date = new Date(value.trim());
    if (!Number.isNaN(date.getTime()) && date.getTime() <= now.getTime()) return date;
  }
  throw usageError(
    '--older-than takes an age such as 90d, 12h, 2w (s, m, h, d, w) or a past ISO date such as 2025-01-31; ' +
      `got '${value.slice(0, 40)}'.`,
  );
}
