import { LlmManagerError } from './llm-manager.error';

/**
 * llm-mgr's own secrets and its database address. An `{ENV}` placeholder names where a provider key lives, and a
 * platform's key is sent to the platform's base URL: whoever may name a placeholder (the admin token, the YAML, a
 * host's `.env`) must never be able to name these. Compared without case: Windows' environment ignores it.
 */
export const MANAGER_SECRET_VARIABLES: readonly string[] = ['LLM_KEY', 'LLM_MGR_ADMIN_TOKEN', 'LLM_MGR_DATABASE_URL'];

/** Default of `LLM_MGR_KEY_ENV_ALLOW`: names ending in `_KEY` or `_TOKEN` (so `DEEPSEEK_API_KEY`, `HF_TOKEN`). */
export const DEFAULT_KEY_ENV_ALLOW = '[A-Za-z_][A-Za-z0-9_]*_(?:KEY|TOKEN)';

const SECRETS = new Set(MANAGER_SECRET_VARIABLES.map((name) => name.toUpperCase()));

export function isManagerSecret(variable: string): boolean {
  return SECRETS.has(variable.toUpperCase());
}

/** Compiles an allow pattern; it must match the whole variable name. */
export function keyEnvAllowPattern(source: string | RegExp, setting = 'LLM_MGR_KEY_ENV_ALLOW'): RegExp {
  const text = typeof source === 'string' ? source : source.source;
  try {
    return new RegExp(`^(?:${text})$`, typeof source === 'string' ? '' : source.flags.replace(/[gy]/g, ''));
  } catch (error: unknown) {
    const message = `${setting} is not a valid regular expression. Fix it or remove it (default: ${DEFAULT_KEY_ENV_ALLOW}).`;
    throw new LlmManagerError('CONFIG_INVALID', message, { cause: error, details: { variable: setting } });
  }
}

/** Why `variable` may not hold a platform's key, or null when it may. Names the variable, never its value. */
export function keyEnvRefusal(variable: string, allow: RegExp): string | null {
  if (isManagerSecret(variable)) {
    const secrets = MANAGER_SECRET_VARIABLES.join(', ');
    return `${variable} is one of llm-mgr's own secrets (${secrets}) and is never used as a platform's API key.`;
  }
  if (!allow.test(variable)) {
    return (
      `${variable} is not allowed as a platform's API key variable: names must match LLM_MGR_KEY_ENV_ALLOW ` +
      `(now ${allow.source.slice(4, -2)}; default: names ending in _KEY or _TOKEN).`
    );
  }
  return null;
}

/** `variable` when it may hold a platform's key; otherwise `VALIDATION_FAILED` on `field`. */
export function requireAllowedKeyEnv(variable: string, allow: RegExp, field = 'apiKeyEnv'): string {
  const refusal = keyEnvRefusal(variable, allow);
  if (refusal === null) return variable;
  const fix = "Name the variable that holds the provider's key, such as DEEPSEEK_API_KEY.";
  throw new LlmManagerError('VALIDATION_FAILED', `${field}: ${refusal} ${fix}`, { details: { field, variable } });
}
