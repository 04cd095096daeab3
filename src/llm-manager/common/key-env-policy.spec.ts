import { resolveOptions } from '../llm-manager.options';
import { keyEnvRefusal, requireAllowedKeyEnv } from './key-env-policy';
import { LlmManagerError } from './llm-manager.error';

describe('key-env policy: which variables an {ENV} placeholder may name', () => {
  const allowOf = (env: Record<string, string>, keyEnvAllowPattern?: string | RegExp): RegExp =>
    resolveOptions({ env, keyEnvAllowPattern, usagePurgeCron: false }).keyEnvAllow;

  it('by default allows names ending in _KEY or _TOKEN, and never llm-mgr secrets (any case)', () => {
    const allow = allowOf({});
    expect(['DEEPSEEK_API_KEY', 'OPENAI_KEY', 'HF_TOKEN'].map((name) => keyEnvRefusal(name, allow))).toEqual([null, null, null]);
    for (const name of ['LLM_KEY', 'llm_key', 'LLM_MGR_ADMIN_TOKEN', 'LLM_MGR_DATABASE_URL', 'DATABASE_PASSWORD', 'HOME', 'KEY_OF_X']) {
      expect({ name, refused: keyEnvRefusal(name, allow) !== null }).toEqual({ name, refused: true });
    }
  });

  it('takes LLM_MGR_KEY_ENV_ALLOW or the option, matched against the whole name; secrets stay refused', () => {
    const fromEnv = allowOf({ LLM_MGR_KEY_ENV_ALLOW: 'DATABASE_PASSWORD|.*_KEY' });
    expect(keyEnvRefusal('DATABASE_PASSWORD', fromEnv)).toBeNull();
    expect(keyEnvRefusal('MY_DATABASE_PASSWORD', fromEnv)).not.toBeNull();
    const everything = allowOf({ LLM_MGR_KEY_ENV_ALLOW: 'nothing' }, /.*/);
    expect(keyEnvRefusal('ANYTHING', everything)).toBeNull();
    expect(keyEnvRefusal('LLM_KEY', everything)).toContain("llm-mgr's own secrets");
  });

  it('refuses an invalid pattern at start-up (CONFIG_INVALID) and a refused name as VALIDATION_FAILED on the field', () => {
    expect(() => allowOf({ LLM_MGR_KEY_ENV_ALLOW: '([' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }) as Error);
    let caught: unknown;
    try {
      requireAllowedKeyEnv('LLM_MGR_ADMIN_TOKEN', allowOf({}));
    } catch (error: unknown) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(LlmManagerError);
    expect(caught).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'apiKeyEnv', variable: 'LLM_MGR_ADMIN_TOKEN' } });
  });
});
