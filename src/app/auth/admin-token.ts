import { randomBytes as cryptoRandomBytes } from 'crypto';
import { resolve } from 'path';
import { LlmManagerError } from '../../llm-manager/common/llm-manager.error';
import { appendToEnvFile, readEnvFile } from '../../llm-manager/common/env-file';

/** Prefix of the admin token, so a leaked one is recognisable; user tokens start with `llmu_`. */
export const ADMIN_TOKEN_PREFIX = 'llma_';
export const ADMIN_TOKEN_VARIABLE = 'LLM_MGR_ADMIN_TOKEN';
const ADMIN_TOKEN_MIN_LENGTH = 32;
const GENERATED_TOKEN_BYTES = 32;

/** Where the admin token came from. */
export type AdminTokenSource = 'environment' | 'env-file' | 'generated';

/** Inputs of `resolveAdminToken()`; randomness and logging are parameters so tests swap them. */
export interface ResolveAdminTokenInput {
  /** `LLM_MGR_ADMIN_TOKEN` of the process environment. */
  configured: string | undefined;
  /** The `.env` read for `LLM_MGR_ADMIN_TOKEN=`, and where a generated token is written. */
  envFilePath: string;
  /** Default: `crypto.randomBytes`. */
  randomBytes?: (size: number) => Buffer;
  /** Receives the single line announcing a generated token (where it is, never the token). */
  log: (line: string) => void;
}

export interface ResolvedAdminToken {
  token: string;
  source: AdminTokenSource;
}

/**
 * Finds the admin token of the standalone server, the way `resolveMasterKey()` finds `LLM_KEY`: the environment →
 * `LLM_MGR_ADMIN_TOKEN=` in `.env` → a generated `llma_…` token appended to `.env` (0600).
 * @throws LlmManagerError `CONFIG_INVALID` when the token is too short or `.env` cannot be written.
 */
export function resolveAdminToken(input: ResolveAdminTokenInput): ResolvedAdminToken {
  const envFile = resolve(input.envFilePath);
  if (input.configured) return { token: assertStrong(input.configured, `${ADMIN_TOKEN_VARIABLE} (environment)`), source: 'environment' };
  const fromFile = readEnvFile(envFile)[ADMIN_TOKEN_VARIABLE];
  if (fromFile) return { token: assertStrong(fromFile, `${ADMIN_TOKEN_VARIABLE} in ${envFile}`), source: 'env-file' };

  const token = `${ADMIN_TOKEN_PREFIX}${(input.randomBytes ?? cryptoRandomBytes)(GENERATED_TOKEN_BYTES).toString('base64url')}`;
  try {
    appendToEnvFile(envFile, ADMIN_TOKEN_VARIABLE, token);
  } catch (error: unknown) {
    throw new LlmManagerError(
      'CONFIG_INVALID',
      `Could not write a generated ${ADMIN_TOKEN_VARIABLE} to ${envFile}. Make the file writable, or set ` +
        `${ADMIN_TOKEN_VARIABLE} yourself (at least ${ADMIN_TOKEN_MIN_LENGTH} characters).`,
      { cause: error, details: { envFile } },
    );
  }
  input.log(
    `llm-mgr: generated an admin token ${ADMIN_TOKEN_VARIABLE} and wrote it to ${envFile} (readable by its owner ` +
      `only). Send it as "Authorization: Bearer <token>" to use the admin routes and to issue user tokens.`,
  );
  return { token, source: 'generated' };
}

function assertStrong(token: string, origin: string): string {
  if (token.length >= ADMIN_TOKEN_MIN_LENGTH) return token;
  throw new LlmManagerError(
    'CONFIG_INVALID',
    `${origin} is too short (${token.length} characters; at least ${ADMIN_TOKEN_MIN_LENGTH} are needed). Remove it to ` +
      `have one generated into .env, or set a long random value, e.g. from ` +
      `\`node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"\`.`,
    { details: { variable: ADMIN_TOKEN_VARIABLE } },
  );
}
