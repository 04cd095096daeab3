import { resolveMasterKey } from '../../llm-manager/security/master-key';
import { SecretCipher } from '../../llm-manager/security/secret-cipher';
import type { CliContext } from '../cli-context';

/** The cipher of the master key in force (LLM_KEY: environment, then `.env`), as the library finds it; never generated. */
export function currentCipher(ctx: CliContext): SecretCipher {
  const { key } = resolveMasterKey({
    configured: ctx.options.masterKey,
    envFilePath: ctx.envFile,
    generate: false,
    hasEncryptedData: false,
  });
  return new SecretCipher(key);
}

/** True when LLM_KEY comes from the process environment, which overrides whatever `.env` says. */
export function keyFromProcessEnv(ctx: CliContext): boolean {
  return Boolean(ctx.processEnv.LLM_KEY);
}
