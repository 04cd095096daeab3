import { existsSync, readFileSync, rmSync } from 'node:fs';
import { configError } from '../cli-exit';
import { writeDurable } from '../support/durable-file';
import { errorMessage } from '../../llm-manager/common/error-message';

/**
 * What a key rotation has promised to do, written before the database commits and removed when everything is
 * done. Holds the new key (mode 0600, beside `.env`, which holds the old one): after the commit it is the only copy
 * until `.env` is rewritten.
 */
export interface RotationJournal {
  version: 1;
  startedAt: string;
  newKey: string;
  oldFingerprint: string;
  newFingerprint: string;
  /** Absolute path of the YAML whose ENC: values were re-encrypted, or null when there was none. */
  yamlPath: string | null;
  /** The re-encrypted YAML, renamed over `yamlPath` once the database has committed. */
  yamlTempPath: string | null;
}

const JOURNAL_MODE = 0o600;

/** Where the journal of a rotation of the key in `envFile` lives. */
export function journalPath(envFile: string): string {
  return `${envFile}.rotating`;
}

/** True when a rotation was interrupted (or is running) for this `.env`. */
export function hasJournal(envFile: string): boolean {
  return existsSync(journalPath(envFile));
}

/** @throws CliError (config) when the journal exists but cannot be read. */
export function readJournal(envFile: string): RotationJournal | undefined {
  const path = journalPath(envFile);
  if (!existsSync(path)) return undefined;
  try {
    const journal = JSON.parse(readFileSync(path, 'utf8')) as RotationJournal;
    if (journal.version !== 1 || typeof journal.newKey !== 'string') throw new Error('unknown format');
    return journal;
  } catch (error: unknown) {
    throw configError(
      `The key-rotation journal ${path} is damaged (${errorMessage(error)}). ` +
        'Check whether the database opens with LLM_KEY; if it does, delete the journal and rotate again.',
      error,
    );
  }
}

export function writeJournal(envFile: string, journal: RotationJournal): void {
  writeDurable(journalPath(envFile), `${JSON.stringify(journal, null, 2)}\n`, JOURNAL_MODE);
}

export function removeJournal(envFile: string): void {
  rmSync(journalPath(envFile), { force: true });
}
