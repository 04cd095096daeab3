import { maskSecret, maskSecretsInText } from '../security/mask-secret';

/** Longest error detail a usage row keeps (the column is 300 characters). */
export const ERROR_DETAIL_LENGTH = 300;
/** Longest error code a usage row keeps. */
export const ERROR_CODE_LENGTH = 32;

/**
 * Anything that looks like a credential, whoever's it is: a vendor-prefixed key, a bearer token, or a long run of
 * letters and digits. The caller masks the key it knows first; this catches a key it did not know about (another
 * platform's, one an upstream quoted back) so a stored detail can never hold one.
 */
const KEY_LIKE = /\b(?:sk|gsk|xai|hf|AIza|ENC:v\d)[-_:A-Za-z0-9]{8,}|(?<=Bearer\s+)\S+|\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{32,}/g;

/**
 * What a usage row stores of a failed call's message (issue 19): the `secrets` the caller knows masked as `sk-…abcd`,
 * anything else key-like masked too, whitespace folded, at most `ERROR_DETAIL_LENGTH` characters.
 */
export function safeErrorDetail(text: string, secrets: readonly (string | null | undefined)[] = []): string {
  const known = maskSecretsInText(text, secrets.filter((s): s is string => typeof s === 'string'));
  const masked = known.replace(KEY_LIKE, (found) => (found.includes('…') ? found : (maskSecret(found) ?? '****')));
  const folded = masked.replace(/\s+/g, ' ').trim();
  return folded.length > ERROR_DETAIL_LENGTH ? `${folded.slice(0, ERROR_DETAIL_LENGTH - 1)}…` : folded;
}
