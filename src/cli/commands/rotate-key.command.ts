import { generateMasterKey } from '../../llm-manager/security/master-key';
import { assertMasterKey } from '../../llm-manager/security/secret-cipher';
import { flag } from '../cli-args';
import type { CliContext } from '../cli-context';
import { ExitCode, usageError } from '../cli-exit';
import { err, out, readSecret } from '../cli-io';
import { currentCipher, keyFromProcessEnv } from '../support/master-key-source';
import { readJournal } from '../rotation/rotation-journal';
import type { CliCommand } from './command';

/** `llm-mgr rotate-key`: re-encrypt every secret under a new master key (B6). */
export const rotateKeyCommand: CliCommand = {
  name: 'rotate-key',
  summary: 'Re-encrypt every secret (database and YAML ENC: values) with a new LLM_KEY, atomically.',
  usage: 'rotate-key [--new-key-from-stdin] [--print]',
  description: [
    'Verifies that the current LLM_KEY opens every stored API key, the database key check and every ENC: value ' +
      'of the YAML, then re-encrypts them all with a new key in one database transaction, rewrites the YAML and ' +
      'writes the new key into .env (mode 0600). The new key is generated (32 random bytes) unless ' +
      '--new-key-from-stdin is given; it is printed only with --print.',
    'An interrupted rotation is safe: before the database commits, the old key still opens everything; after it, ' +
      'the new key waits in .env.rotating. Run rotate-key again to finish (or undo) it before anything else.',
    'Stop every llm-mgr server first: running ones keep the old key in memory and must be restarted afterwards.',
  ],
  options: {
    'new-key-from-stdin': {
      type: 'boolean',
      description: 'Read the new key (≥ 32 characters) from stdin instead of generating one.',
    },
    print: { type: 'boolean', description: 'Print the new key on stdout (and the report on stderr).' },
  },
  positionals: [],
  exitCodes: {
    [ExitCode.Failure]: 'the database is unreachable or refused the writes (the old key still opens everything)',
    [ExitCode.Usage]: 'the new key equals the old one, or stdin is empty',
    [ExitCode.Config]: 'LLM_KEY is missing, or does not open the key check, a stored secret or an ENC: value',
  },
  async run(ctx, args) {
    // With --print, stdout carries the new key alone, so a script can capture it.
    const report = (line: string): void => (flag(args, 'print') ? err(ctx.io, line) : out(ctx.io, line));
    const journal = readJournal(ctx.envFile);
    // Without a journal to settle, a missing or short LLM_KEY is refused before the store is opened (or created).
    if (!journal) currentCipher(ctx);
    const { openMigratedStore } = await import('../support/cli-store');
    const { rotateKey, settleRotation } = await import('../rotation/key-rotation');
    const dataSource = await openMigratedStore(ctx.options.database);
    try {
      if (journal) {
        ctx.secrets.push(journal.newKey);
        const settled = await settleRotation(ctx, dataSource, journal);
        if (settled.outcome === 'finished') {
          report(
            `Finished the key rotation interrupted after its database commit (started ${journal.startedAt}): LLM_KEY ` +
              `fingerprint ${journal.oldFingerprint} → ${journal.newFingerprint}, written to ${ctx.envFile}.`,
          );
          if (flag(args, 'print')) out(ctx.io, journal.newKey);
          warnAboutProcessKey(ctx);
          return ExitCode.Ok;
        }
        err(
          ctx.io,
          `Discarded a key rotation interrupted before its database commit (started ${journal.startedAt}); ` +
            'starting again.',
        );
      }
      const oldCipher = currentCipher(ctx);
      const newKey = flag(args, 'new-key-from-stdin')
        ? await readSecret(ctx.io, 'New LLM_KEY: ')
        : generateMasterKey();
      ctx.secrets.push(newKey);
      assertMasterKey(newKey, 'The new key');
      if (newKey === ctx.options.masterKey) throw usageError('The new key is the current LLM_KEY; give a different one.');
      const summary = await rotateKey(ctx, dataSource, oldCipher, newKey);
      report(`Rotated LLM_KEY: fingerprint ${summary.oldFingerprint} → ${summary.newFingerprint}.`);
      report(
        `Re-encrypted ${summary.databaseSecrets} stored secret(s) and the key check` +
          (summary.yamlPath
            ? `, and ${summary.yamlValues} ENC value(s) in ${summary.yamlPath}.`
            : '; no YAML file to update.'),
      );
      report(`The new key is in ${ctx.envFile}. Restart every llm-mgr server: running ones still hold the old key.`);
      if (flag(args, 'print')) out(ctx.io, newKey);
      warnAboutProcessKey(ctx);
      return ExitCode.Ok;
    } finally {
      await dataSource.destroy();
    }
  },
};

function warnAboutProcessKey(ctx: CliContext): void {
  if (!keyFromProcessEnv(ctx)) return;
  err(
    ctx.io,
    `warning: LLM_KEY is set in the environment, which overrides ${ctx.envFile}: set it to the new key (now in ` +
      `${ctx.envFile}) wherever it is defined, or unset it, before the next start.`,
  );
}
