import { registerDecorator, type ValidationOptions } from 'class-validator';
import { LlmManagerError } from '../../common/llm-manager.error';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type Unit = keyof typeof UNIT_MS;
/** `90m`, `24h`, `7d`, `4w`: a positive whole number and a unit. */
const DURATION = /^([1-9]\d{0,5})([mhdw])$/;
/** `2026-01-31`, `2026-01-31T08:00`, `2026-01-31T08:00:00.000Z`, `2026-01-31T08:00:00+08:00`. */
const ISO_DATE = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(Z|[+-]\d{2}:\d{2})?)?$/;
/** Farthest back a duration may reach: a century, so no arithmetic leaves the range of a Date. */
const MAX_BACK_MS = 36_500 * UNIT_MS.d;

/** How `since` is written, for messages and Swagger. */
export const SINCE_FORMAT = 'an ISO date (2026-01-31, 2026-01-31T08:00:00Z; UTC unless a zone is given) or a duration back from now (90m, 24h, 7d, 4w)';

/** The instant `text` names, or null when it is neither an ISO date nor a duration. */
function readSince(text: string, now: Date): Date | null {
  const duration = DURATION.exec(text);
  if (duration) {
    const back = Number(duration[1]) * UNIT_MS[duration[2] as Unit];
    return back <= MAX_BACK_MS ? new Date(now.getTime() - back) : null;
  }
  const iso = ISO_DATE.exec(text);
  if (!iso) return null;
  const [, day, time, zone] = iso;
  // `new Date('2026-02-30')` rolls over to March: a day that does not read back the same is not a day.
  const midnight = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(midnight.getTime()) || midnight.toISOString().slice(0, 10) !== day) return null;
  const date = time === undefined ? midnight : new Date(`${day}T${time}${zone ?? 'Z'}`);
  return Number.isNaN(date.getTime()) ? null : date;
}

/**
 * Turns a `since` query value into an instant: an ISO date, or a duration such as `24h`, `7d`, `30d` back from
 * `now`. Undefined stays undefined (no lower bound).
 *
 * @throws VALIDATION_FAILED naming `field` when the text is neither.
 */
export function parseSince(text: string | undefined, now: Date, field = 'since'): Date | undefined {
  if (text === undefined) return undefined;
  const since = readSince(text.trim(), now);
  if (since === null) {
    throw new LlmManagerError('VALIDATION_FAILED', `${field}: "${text.slice(0, 40)}" is not ${SINCE_FORMAT}.`, { details: { field } });
  }
  return since;
}

/** The instant `days` whole days before `now`. */
export function daysBefore(now: Date, days: number): Date {
  return new Date(now.getTime() - days * UNIT_MS.d);
}

/** class-validator rule for a `since` field, so a bad value is refused with the other field errors. */
export function IsSince(options: ValidationOptions = {}): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isSince',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `$property must be ${SINCE_FORMAT}`, ...options },
      validator: { validate: (value: unknown): boolean => typeof value === 'string' && readSince(value.trim(), new Date()) !== null },
    });
}
