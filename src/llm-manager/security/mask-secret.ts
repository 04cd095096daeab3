/** Vendor prefixes that are public knowledge, longest first so `sk-proj-` wins over `sk-`. */
const KNOWN_PREFIXES = ['sk-or-v1-', 'sk-proj-', 'sk-ant-', 'sk-', 'AIza', 'gsk_', 'xai-', 'hf_'] as const;
// An unknown vendor prefix: one to three short alphanumeric runs, each ending with '-'.
const GENERIC_PREFIX = /^(?:[A-Za-z0-9]{1,5}-){1,3}/;
const MAX_GENERIC_PREFIX = 9;
const MIN_LENGTH_FOR_PREFIX = 12;
const ELLIPSIS = '…';
const HIDDEN = '****';

/**
 * A display form of a secret that reveals at most a third of its random part: `sk-abcdefgh1234` → `sk-…1234`.
 * A public vendor prefix is kept, then the last 4 characters (or the last 2 when the secret is short);
 * very short secrets become `****`. Returns null for null, undefined or ''.
 */
export function maskSecret(secret: string | null | undefined): string | null {
  if (!secret) return null;
  const prefix = publicPrefix(secret);
  const body = secret.slice(prefix.length);
  const tail = body.length >= 12 ? 4 : body.length >= 6 ? 2 : 0;
  if (tail === 0) return prefix ? `${prefix}${ELLIPSIS}` : HIDDEN;
  return `${prefix}${ELLIPSIS}${body.slice(-tail)}`;
}

/**
 * Replaces every occurrence of each secret in `text` by its mask, for log lines and error texts.
 * Longer secrets are matched first, so a secret that contains another is hidden whole.
 */
export function maskSecretsInText(text: string, secrets: readonly string[]): string {
  const unique = [...new Set(secrets.filter((secret) => secret.length > 0))].sort((a, b) => b.length - a.length);
  if (unique.length === 0) return text;
  // One pass with an alternation, so a mask just written is never matched again by a shorter secret.
  const pattern = new RegExp(unique.map(escapeRegExp).join('|'), 'g');
  return text.replace(pattern, (found) => maskSecret(found) ?? HIDDEN);
}

function publicPrefix(secret: string): string {
  if (secret.length < MIN_LENGTH_FOR_PREFIX) return '';
  const known = KNOWN_PREFIXES.find((prefix) => secret.startsWith(prefix));
  if (known) return known;
  const generic = GENERIC_PREFIX.exec(secret)?.[0] ?? '';
  // A generic "prefix" may be random key material, so it counts against the one-third budget with the tail.
  const fitsBudget = generic.length <= MAX_GENERIC_PREFIX && (generic.length + 4) * 3 <= secret.length;
  return fitsBudget ? generic : '';
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
