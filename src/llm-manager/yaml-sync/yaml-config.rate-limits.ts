import { isMap, isScalar } from 'yaml';

import { MAX_RATE_LIMIT } from '../rate-limits/rate-limit.options';
import type { RateLimits } from '../rate-limits/rate-limit-window';
import type { YamlEntry, YamlNodeReader } from './yaml-config.reader';

const RATE_LIMIT_SECTIONS = ['default_user'] as const;
const LIMIT_FIELDS = ['rpm', 'tpm', 'concurrent'] as const;
const EXAMPLE = 'rate_limits: { default_user: { rpm: 60, tpm: 100000, concurrent: 4 } }';

/** `rate_limits:` of the YAML (issue 18): the limit of every user who has none of their own. */
export interface YamlRateLimits {
  defaultUser: RateLimits | null;
}

export function readYamlRateLimits(field: YamlEntry | undefined, reader: YamlNodeReader): YamlRateLimits {
  if (field === undefined || field.value === null) return { defaultUser: null };
  if (!isMap(field.value)) {
    return reader.report.fail(field.value, field.path, `'rate_limits' must be a mapping, not ${reader.describe(field.value)}.`, `write ${EXAMPLE}.`);
  }
  const sections = reader.fields(reader.entries(field.value, field.path), RATE_LIMIT_SECTIONS, "'rate_limits'");
  return { defaultUser: sections.default_user === undefined ? null : readLimits(sections.default_user, reader) };
}

function readLimits(entry: YamlEntry, reader: YamlNodeReader): RateLimits | null {
  if (entry.value === null) return null;
  if (!isMap(entry.value)) {
    return reader.report.fail(entry.value, entry.path, `'${entry.name}' must be a mapping of rpm, tpm and/or concurrent, not ${reader.describe(entry.value)}.`, `write ${EXAMPLE}.`);
  }
  const fields = reader.fields(reader.entries(entry.value, entry.path), LIMIT_FIELDS, `'${entry.name}'`);
  const one = (name: (typeof LIMIT_FIELDS)[number]): number | null => {
    const limit = fields[name];
    if (limit === undefined || limit.value === null) return null;
    const value = limit.value;
    if (isScalar(value) && typeof value.value === 'number' && Number.isInteger(value.value) && value.value >= 1 && value.value <= MAX_RATE_LIMIT) {
      return value.value;
    }
    return reader.report.fail(
      value,
      limit.path,
      `${name} must be a whole number from 1 to ${MAX_RATE_LIMIT}, not ${isScalar(value) ? String(value.source ?? value.value) : reader.describe(value)}.`,
      `write a plain number, e.g. ${name}: ${name === 'tpm' ? 100000 : name === 'rpm' ? 60 : 4}, or leave it out for no limit.`,
    );
  };
  const limits = { rpm: one('rpm'), tpm: one('tpm'), concurrent: one('concurrent') };
  return limits.rpm === null && limits.tpm === null && limits.concurrent === null ? null : limits;
}
