import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'crypto';

/** Every user token starts with this, so a leaked one is recognisable (secret scanners, logs, support tickets). */
export const USER_TOKEN_PREFIX = 'llmu_';

/** Characters of a token kept for display: `llmu_` and 7 random ones, enough to tell a user's tokens apart. */
export const TOKEN_DISPLAY_PREFIX_LENGTH = 12;

const TOKEN_RANDOM_BYTES = 32;
const USER_TOKEN_PATTERN = /^llmu_[A-Za-z0-9_-]{43}$/;

/** SHA-256 of a token, lowercase hex: what is stored and compared, never the token itself. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Compares two SHA-256 hex digests in constant time; false for anything that is not one. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === 32 && right.length === 32 && timingSafeEqual(left, right);
}

/** True when `token` has the shape of a user token; anything else is refused without a database round trip. */
export function looksLikeUserToken(token: string): boolean {
  return USER_TOKEN_PATTERN.test(token);
}

/** Makes new user tokens: 32 random bytes, base64url, after `USER_TOKEN_PREFIX`. Tests swap it for fixed tokens. */
@Injectable()
export class ApiTokenGenerator {
  generate(): string {
    return `${USER_TOKEN_PREFIX}${randomBytes(TOKEN_RANDOM_BYTES).toString('base64url')}`;
  }
}
