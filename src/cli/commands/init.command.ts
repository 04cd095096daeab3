import { generateMasterKey } from '../../llm-manager/security/master-key';
import { resolveMasterKey } from '../../llm-manager/security/master-key';
import { SecretCipher } from '../../llm-manager/security/secret-cipher';
import { flag } from '../cli-args';
import { readEnvFile, type CliContext } from '../cli-context';
import { CliError, configError, ExitCode, usageError } from '../cli-exit';
import { err, out } from '../cli-io';
import { setEnvVariable } from '../support/env-file';
import { findYamlEnvelopes, readYamlIfPresent } from '../support/yaml-envelopes';
import type { CliCommand } from './command';
import { errorMessage } from '../../llm-manager/common/error-message';

/** Bytes of a generated master key: 32, as `resolveMasterKey` generates them (base64url, 43 characters). */

/** `llm-mgr init`: a new master key `LLM_KEY` in `.env` (0600). */
export const initCommand: CliCommand = {
  name: 'init',
  summary: 'Generate a master key LLM_KEY into .env (mode 0600).',
  usage: 'init [--force]',
  description: [
    'Generates a random master key (32 bytes, base64url) and writes LLM_KEY=… into .env, readable by its owner ' +
      'only. The key itself is never printed: back up .env.',
    'An existing LLM_KEY (in .env or in the environment) is kept unless --force is given; --force still refuses ' +
      'when something is already encrypted with the current key (database or ENC: values in the YAML): change ' +
      'that key with `llm-mgr rotate-key`, which re-encrypts everything.',
  ],
  options: {
    force: { type: 'boolean', description: 'Replace an existing LLM_KEY, when nothing is encrypted with it yet.' },
  },
  positionals: [],
  exitCodes: {
    [ExitCode.Failure]: '.env cannot be written, or the database cannot be reached to check it (with --force)',
    [ExitCode.Usage]: 'LLM_KEY already exists and --force was not given',
    [ExitCode.Config]: 'data is encrypted with the current key (use rotate-key), or encrypted data exists but no key',
  },
  async run(ctx, args) {
    const force = flag(args, 'force');
    const inFile = readEnvFile(ctx.envFile).LLM_KEY || undefined;
    const inProcess = ctx.processEnv.LLM_KEY || undefined;
    const existing = inFile ?? inProcess;
    if (existing && !force) {
      const where = inFile ? ctx.envFile : 'the environment';
      throw usageError(
        `LLM_KEY is already set in ${where} (fingerprint ${fingerprintOf(existing)}); nothing was changed. ` +
          'Keep it, or pass --force to replace it (allowed only while nothing is encrypted with it).',
      );
    }
    const encrypted = await countEncrypted(ctx, existing !== undefined);
    if (existing) {
      if (encrypted > 0) {
        throw configError(
          `${encrypted} value(s) are encrypted with the current LLM_KEY (database and YAML); a new key would make ` +
            'them unreadable, so nothing was changed. Change the key with `npx llm-mgr rotate-key`, which ' +
            're-encrypts everything.',
        );
      }
      const key = generateMasterKey();
      ctx.secrets.push(key);
      setEnvVariable(ctx.envFile, 'LLM_KEY', key);
      out(ctx.io, `Replaced LLM_KEY in ${ctx.envFile} (mode 0600) with a new key, fingerprint ${fingerprintOf(key)}.`);
    } else {
      // The library's own first-start generation: same key format, same 0600 file, same announcement.
      resolveMasterKey({
        configured: undefined,
        envFilePath: ctx.envFile,
        generate: true,
        hasEncryptedData: encrypted > 0,
        log: (line) => out(ctx.io, line.replace(/^llm-mgr: g/, 'G')),
      });
    }
    if (inProcess) {
      err(ctx.io, 'warning: LLM_KEY is also set in the environment, and the environment wins over .env: unset it.');
    }
    return ExitCode.Ok;
  },
};

function fingerprintOf(key: string): string {
  return key.length >= 32 ? new SecretCipher(key).fingerprint() : '(invalid: too short)';
}

/**
 * What is encrypted with the current key, in the store and in the YAML. Replacing a key must prove there is
 * nothing; a first key only needs it to refuse a new key over orphaned data, so an unreachable store is no stop.
 */
async function countEncrypted(ctx: CliContext, replacing: boolean): Promise<number> {
  const yaml = readYamlIfPresent(ctx.options.configPath);
  const inYaml = yaml === undefined ? 0 : findYamlEnvelopes(yaml, ctx.options.configPath).length;
  try {
    const { countEncryptedInStore } = await import('../support/cli-store');
    return inYaml + (await countEncryptedInStore(ctx.options.database));
  } catch (error: unknown) {
    if (!replacing) {
      err(ctx.io, `warning: could not check the database for encrypted data (${errorMessage(error)}).`);
      return inYaml;
    }
    throw new CliError(
      ExitCode.Failure,
      `Cannot check the database for data encrypted with the current LLM_KEY (${errorMessage(error)}); nothing was ` +
        'changed. Make the database reachable (LLM_MGR_DATABASE_URL) and run init --force again.',
      { cause: error },
    );
  }
}
