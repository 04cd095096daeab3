import { createHash } from 'node:crypto';

/** The fingerprint of a keyless endpoint. */
export const KEYLESS_ID = '-';

/**
 * What cooldowns store for a key: the first 128 bits of its SHA-256, which tells keys apart and says nothing of
 * them. A key saved again (same value) keeps its health; a new key starts healthy.
 */
export function keyIdOf(apiKey: string | null | undefined): string {
  return apiKey ? createHash('sha256').update(apiKey).digest('hex').slice(0, 32) : KEYLESS_ID;
}
