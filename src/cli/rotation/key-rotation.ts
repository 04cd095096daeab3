import { existsSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import { LlmManagerError } from '../../llm-manager/common/llm-manager.error';
import { createKeyCheck, verifyKeyCheck } from '../../llm-manager/security/master-key';
import { SecretCipher } from '../../llm-manager/security/secret-cipher';
import type { CliContext } from '../cli-context';
import { err } from '../cli-io';
import { readKeyCheck, readStoredSecrets, writeKeyCheck, writeStoredSecret } from '../support/cli-store';
import { renameDurable, writeDurable } from '../support/durable-file';
import { setEnvVariable } from '../support/env-file';
import { findYamlEnvelopes, readYamlIfPresent, reencryptYaml } from '../support/yaml-envelopes';
import { readJournal, removeJournal, writeJournal, type RotationJournal } from './rotation-journal';
import { errorMessage } from '../../llm-manager/common/error-message';

/*
 * Rotating LLM_KEY touches three places that cannot share one transaction: the database, the YAML and `.env`.
 * The database commit is the single point of no return; everything is arranged around it:
 *
 *   1. Verify: the old key opens the key check, every stored secret and every ENC: value of the YAML.
 *   2. Write the journal `.env.rotating` (0600, fsynced) holding the new key, then the re-encrypted YAML to
 *      `<yaml>.rotating` (fsynced, not renamed).
 *   3. One transaction re-encrypts every stored secret and the key check. ── COMMIT ──
 *   4. Rename `<yaml>.rotating` over the YAML; write `.env` with the new key (temp + rename); remove the journal.
 *
 * A crash (or kill -9) leaves one of these states, and the next `rotate-key` tells them apart by the database's
 * key check, the only thing that changed at the commit:
 *   - before 2: nothing changed; the old key opens everything.
 *   - in 2–3, before the commit: the database rolls the transaction back (SQLite by its journal on the next open),
 *     the YAML and .env are untouched: the old key opens everything. The check still opens with the old key, so the
 *     journal and the temp YAML are discarded, and the rotation starts again.
 *   - after the commit, anywhere in 4: the database opens only with the new key, which is in the journal. The check
 *     opens with it, so 4 is finished: the temp YAML (if still there) is renamed, .env rewritten, the journal
 *     removed. Until then every command refuses with the database's "wrong LLM_KEY" error, plus a line saying to
 *     run rotate-key; the new key is never lost.
 * A failure reported by the commit itself (connection lost mid-COMMIT) is settled the same way.
 */

/** Test hook: `LLM_MGR_CLI_TEST_PAUSE_AT=<point>` stops the rotation there until the process is killed. */
export type PausePoint = 'before-commit' | 'after-commit' | 'after-yaml';

/** What a completed rotation did. */
export interface RotationSummary {
  oldFingerprint: string;
  newFingerprint: string;
  databaseSecrets: number;
  yamlValues: number;
  yamlPath: string | null;
}

/** How an interrupted rotation was settled. */
export interface Settlement {
  outcome: 'finished' | 'discarded';
  journal: RotationJournal;
}

/** Rotates from `oldCipher` to `newKey`; see the comment above for the order of the steps. */
export async function rotateKey(
  ctx: CliContext,
  dataSource: DataSource,
  oldCipher: SecretCipher,
  newKey: string,
): Promise<RotationSummary> {
  const newCipher = new SecretCipher(newKey);
  const yamlPath = resolve(ctx.cwd, ctx.options.configPath);
  // 1. Verify everything opens with the old key before anything is written.
  const check = await readKeyCheck(dataSource.manager);
  if (check !== null) verifyKeyCheck(oldCipher, check);
  const secrets = await readStoredSecrets(dataSource.manager);
  for (const secret of secrets) oldCipher.decrypt(secret.envelope, secret.subject);
  const yamlText = readYamlIfPresent(yamlPath);
  const newYaml = yamlText === undefined ? undefined : reencryptYaml(yamlText, yamlPath, oldCipher, newCipher);
  const yamlValues = yamlText === undefined ? 0 : findYamlEnvelopes(yamlText, yamlPath).length;

  // 2. The journal first, so any later crash is recognisable; the YAML waits beside the original.
  const journal: RotationJournal = {
    version: 1,
    startedAt: new Date().toISOString(),
    newKey,
    oldFingerprint: oldCipher.fingerprint(),
    newFingerprint: newCipher.fingerprint(),
    yamlPath: newYaml === undefined ? null : yamlPath,
    yamlTempPath: newYaml === undefined ? null : `${yamlPath}.rotating`,
  };
  writeJournal(ctx.envFile, journal);
  try {
    if (newYaml !== undefined && journal.yamlTempPath) {
      writeDurable(journal.yamlTempPath, newYaml, statSync(yamlPath).mode & 0o777);
    }
    // 3. One transaction; rows are read again under lock, so a key saved since step 1 is rotated too.
    let rotated = 0;
    await dataSource.transaction(async (manager) => {
      const lockedCheck = await readKeyCheck(manager);
      if (lockedCheck !== null) verifyKeyCheck(oldCipher, lockedCheck);
      const locked = await readStoredSecrets(manager, true);
      for (const secret of locked) {
        await writeStoredSecret(manager, secret, newCipher.encrypt(oldCipher.decrypt(secret.envelope, secret.subject)));
      }
      await writeKeyCheck(manager, createKeyCheck(newCipher));
      rotated = locked.length;
      await pauseIfAsked(ctx, 'before-commit');
    });
    // 4.
    await finishRotation(ctx, journal);
    return {
      oldFingerprint: journal.oldFingerprint,
      newFingerprint: journal.newFingerprint,
      databaseSecrets: rotated,
      yamlValues,
      yamlPath: journal.yamlPath,
    };
  } catch (error: unknown) {
    await settleAfterFailure(ctx, dataSource, journal);
    throw error;
  }
}

/**
 * Settles an interrupted rotation by the database's key check: committed (opens with the journal's key) →
 * finish it; otherwise the old key still opens everything → throw the journal and temp YAML away.
 */
export async function settleRotation(
  ctx: CliContext,
  dataSource: DataSource,
  journal: RotationJournal,
): Promise<Settlement> {
  const check = await readKeyCheck(dataSource.manager);
  if (check !== null && opens(new SecretCipher(journal.newKey), check)) {
    await finishRotation(ctx, journal);
    return { outcome: 'finished', journal };
  }
  if (journal.yamlTempPath) rmSync(journal.yamlTempPath, { force: true });
  removeJournal(ctx.envFile);
  return { outcome: 'discarded', journal };
}

/** Step 4: the database holds the new key; bring the YAML and `.env` along, then forget the journal. */
async function finishRotation(ctx: CliContext, journal: RotationJournal): Promise<void> {
  const newCipher = new SecretCipher(journal.newKey);
  await pauseIfAsked(ctx, 'after-commit');
  if (journal.yamlPath && journal.yamlTempPath && existsSync(journal.yamlTempPath)) {
    const text = readYamlIfPresent(journal.yamlTempPath) ?? '';
    for (const { envelope, line } of findYamlEnvelopes(text, journal.yamlTempPath)) {
      newCipher.decrypt(envelope, `the ENC value on line ${line} of ${journal.yamlTempPath}`);
    }
    renameDurable(journal.yamlTempPath, journal.yamlPath);
  } else if (journal.yamlPath) {
    // Renamed before the interruption: it must open with the new key already.
    const text = readYamlIfPresent(journal.yamlPath) ?? '';
    for (const { envelope, line } of findYamlEnvelopes(text, journal.yamlPath)) {
      newCipher.decrypt(envelope, `the ENC value on line ${line} of ${journal.yamlPath}`);
    }
  }
  await pauseIfAsked(ctx, 'after-yaml');
  setEnvVariable(ctx.envFile, 'LLM_KEY', journal.newKey);
  removeJournal(ctx.envFile);
}

async function settleAfterFailure(ctx: CliContext, dataSource: DataSource, journal: RotationJournal): Promise<void> {
  try {
    if (readJournal(ctx.envFile) !== undefined) await settleRotation(ctx, dataSource, journal);
  } catch (error: unknown) {
    const reason = errorMessage(error);
    err(
      ctx.io,
      `warning: the rotation could not be settled (${reason}); run 'llm-mgr rotate-key' again to finish or undo it.`,
    );
  }
}

function opens(cipher: SecretCipher, check: string): boolean {
  try {
    verifyKeyCheck(cipher, check);
    return true;
  } catch (error: unknown) {
    if (error instanceof LlmManagerError) return false;
    throw error;
  }
}

async function pauseIfAsked(ctx: CliContext, point: PausePoint): Promise<void> {
  if (ctx.processEnv.LLM_MGR_CLI_TEST_PAUSE_AT !== point) return;
  err(ctx.io, `llm-mgr: paused at ${point} (LLM_MGR_CLI_TEST_PAUSE_AT)`);
  // Never resolves; the interval keeps the process alive until the test kills it.
  await new Promise<never>(() => setInterval(() => undefined, 60_000));
}
