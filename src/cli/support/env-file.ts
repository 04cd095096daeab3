import { readFileSync } from 'node:fs';
import { replaceFileAtomically } from './durable-file';

const ENV_FILE_MODE = 0o600;

/**
 * Sets `NAME=value` in a `.env` file: the first line defining `name` is replaced and any later ones removed,
 * every other line (comments, other variables) is kept; the variable is appended when absent. The file is
 * replaced atomically and left readable by its owner only (0600), as the library does for a generated key.
 */
export function setEnvVariable(envFile: string, name: string, value: string): void {
  replaceFileAtomically(envFile, withVariable(readOrEmpty(envFile), name, value), ENV_FILE_MODE);
}

/** `content` with `name` set to `value` (see `setEnvVariable`). */
export function withVariable(content: string, name: string, value: string): string {
  const definition = new RegExp(`^\\s*(?:export\\s+)?${name}\\s*=`);
  const lines = content === '' ? [] : content.replace(/\n$/, '').split('\n');
  const kept: string[] = [];
  let replaced = false;
  for (const line of lines) {
    if (!definition.test(line)) kept.push(line);
    else if (!replaced) {
      kept.push(`${name}=${value}`);
      replaced = true;
    }
  }
  if (!replaced) kept.push(`${name}=${value}`);
  return `${kept.join('\n')}\n`;
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error: unknown) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}
