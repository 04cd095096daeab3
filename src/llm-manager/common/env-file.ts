import { parse as parseDotenv } from 'dotenv';
import { appendFileSync, chmodSync, existsSync, readFileSync, writeFileSync } from 'fs';
import { LlmManagerError } from './llm-manager.error';

/**
 * The variables of a `.env` file; `{}` when there is none.
 * @throws LlmManagerError `CONFIG_INVALID` when the file exists but cannot be read.
 */
export function readEnvFile(envFile: string): Record<string, string> {
  try {
    return parseDotenv(readFileSync(envFile, 'utf8'));
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new LlmManagerError('CONFIG_INVALID', `Cannot read ${envFile}. Fix its permissions.`, {
      cause: error,
      details: { envFile },
    });
  }
}

/**
 * Appends `NAME=value` to a `.env` file, creating it if needed, and leaves it readable by its owner only (0600):
 * used for a generated `LLM_KEY` and the standalone admin token. The caller words the error; this reports the cause.
 */
export function appendToEnvFile(envFile: string, name: string, value: string): void {
  if (existsSync(envFile)) {
    const content = readFileSync(envFile, 'utf8');
    const separator = content === '' || content.endsWith('\n') ? '' : '\n';
    appendFileSync(envFile, `${separator}${name}=${value}\n`);
  } else {
    writeFileSync(envFile, `${name}=${value}\n`, { mode: 0o600, flag: 'wx' });
  }
  // An existing .env may be world-readable, and a umask may have loosened the new one.
  chmodSync(envFile, 0o600);
}
