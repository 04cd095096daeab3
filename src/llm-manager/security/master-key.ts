import { randomBytes as cryptoRandomBytes } from 'crypto';
import { resolve } from 'path';
import { appendToEnvFile, readEnvFile } from '../common/env-file';
import { LlmManagerError } from '../common/llm-manager.error';
import { assertMasterKey, MASTER_KEY_HOWTO, SecretCipher } from './secret-cipher';

/** Where the master key came from. */
export type MasterKeySource = 'option' | 'env-file' | 'generated';

/** Inputs of `resolveMasterKey()`; the side effects (randomness, logging) are parameters so tests swap them. */
export interface ResolveMasterKeyInput {
  /** `masterKey` option or env `LLM_KEY`, already read by `resolveOptions()`. */
  configured: string | undefined;
  /** The `.env` file read for `LLM_KEY=`, and where a generated key is written. */
  envFilePath: string;
  /** Whether a missing key may be generated. */
  generate: boolean;
  /** True when the database already holds encrypted secrets: a new key would orphan them. */
  hasEncryptedData: boolean;
  /** Default: `crypto.randomBytes`. */
  randomBytes?: (size: number) => Buffer;
  /** Receives the single line announcing a generated key. Default: `console.warn`. */
  log?: (line: string) => void;
}

/** The master key in force and its origin. */
export interface ResolvedMasterKey {
  key: string;
  source: MasterKeySource;
}

const GENERATED_KEY_BYTES = 32;
const KEY_CHECK_PLAINTEXT = 'llm-mgr:key-check:v1';

/**
 * Finds the master key: `configured` → `LLM_KEY=` in the env file → a generated key written to the env file
 * (only when `generate` is on and nothing is encrypted yet). Writes nothing when it throws.
 * @throws LlmManagerError `MASTER_KEY_MISSING` when no key can be found or made; `MASTER_KEY_INVALID` when too short.
 */
export function resolveMasterKey(input: ResolveMasterKeyInput): ResolvedMasterKey {
  const envFile = resolve(input.envFilePath);
  if (input.configured) {
    assertMasterKey(input.configured, 'LLM_KEY (environment or masterKey option)');
    return { key: input.configured, source: 'option' };
  }
  const fromFile = readKeyFromEnvFile(envFile);
  if (fromFile) {
    assertMasterKey(fromFile, `LLM_KEY in ${envFile}`);
    return { key: fromFile, source: 'env-file' };
  }
  if (input.hasEncryptedData) {
    throw new LlmManagerError(
      'MASTER_KEY_MISSING',
      'Encrypted secrets exist in the database but LLM_KEY is not set. ' +
        'Set LLM_KEY in the environment or in .env to the key used before; nothing was changed.',
      { details: { envFile } },
    );
  }
  if (!input.generate) {
    throw new LlmManagerError(
      'MASTER_KEY_MISSING',
      `LLM_KEY is not set. Set LLM_KEY (at least 32 characters) in the environment or add a line LLM_KEY=… to ` +
        `${envFile}. ${MASTER_KEY_HOWTO}, or enable generateMasterKey to let llm-mgr create one.`,
      { details: { envFile } },
    );
  }
  const key = generateMasterKey(input.randomBytes);
  assertMasterKey(key, 'The generated LLM_KEY');
  writeKeyToEnvFile(envFile, key);
  const log = input.log ?? ((line: string): void => console.warn(line));
  log(
    `llm-mgr: generated a new master key LLM_KEY (fingerprint ${new SecretCipher(key).fingerprint()}) and wrote it ` +
      `to ${envFile}. Back it up: without it the encrypted API keys cannot be read.`,
  );
  return { key, source: 'generated' };
}

/** A new master key: 32 random bytes in base64url (43 characters). */
export function generateMasterKey(randomBytes: (size: number) => Buffer = cryptoRandomBytes): string {
  return randomBytes(GENERATED_KEY_BYTES).toString('base64url');
}

/** Encrypts a known constant; stored in the database so a wrong `LLM_KEY` is caught at start, before any write. */
export function createKeyCheck(cipher: SecretCipher): string {
  return cipher.encrypt(KEY_CHECK_PLAINTEXT);
}

/**
 * Checks that `cipher` holds the key that made `stored` (see `createKeyCheck`).
 * @throws LlmManagerError `MASTER_KEY_INVALID` on a wrong key; `SECRET_INVALID` when the stored check is damaged.
 */
export function verifyKeyCheck(cipher: SecretCipher, stored: string): void {
  let plain: string;
  try {
    plain = cipher.decrypt(stored, 'the database key check');
  } catch (error: unknown) {
    if (error instanceof LlmManagerError && error.code === 'MASTER_KEY_INVALID') {
      throw new LlmManagerError(
        'MASTER_KEY_INVALID',
        `LLM_KEY does not match the key this database was encrypted with (the current key has fingerprint ` +
          `${cipher.fingerprint()}). Restore the original LLM_KEY (environment or .env); nothing was changed.`,
        { cause: error, details: { keyFingerprint: cipher.fingerprint() } },
      );
    }
    throw damagedCheck(error);
  }
  if (plain !== KEY_CHECK_PLAINTEXT) throw damagedCheck(undefined);
}

function damagedCheck(cause: unknown): LlmManagerError {
  return new LlmManagerError(
    'SECRET_INVALID',
    'The LLM_KEY check stored in the database is damaged, so the key cannot be verified; nothing was changed. ' +
      'Restore the database from a backup, or reset the key check if you are sure LLM_KEY is right.',
    { cause },
  );
}

function readKeyFromEnvFile(envFile: string): string | undefined {
  try {
    return readEnvFile(envFile).LLM_KEY || undefined;
  } catch (error: unknown) {
    throw new LlmManagerError(
      'MASTER_KEY_MISSING',
      `Cannot read ${envFile} to look for LLM_KEY. Fix its permissions, or set LLM_KEY in the environment.`,
      { cause: error, details: { envFile } },
    );
  }
}

function writeKeyToEnvFile(envFile: string, key: string): void {
  try {
    appendToEnvFile(envFile, 'LLM_KEY', key);
  } catch (error: unknown) {
    throw new LlmManagerError(
      'MASTER_KEY_MISSING',
      `Could not write a generated LLM_KEY to ${envFile}. Make the file writable, or set LLM_KEY yourself ` +
        `(at least 32 characters). ${MASTER_KEY_HOWTO}.`,
      { cause: error, details: { envFile } },
    );
  }
}
