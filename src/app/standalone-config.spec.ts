import { LlmManagerError } from '../llm-manager/common/llm-manager.error';
import { resolveStandaloneConfig } from './standalone-config';

const at = (env: Record<string, string>): ReturnType<typeof resolveStandaloneConfig> =>
  resolveStandaloneConfig({ cwd: '/nonexistent-llm-mgr', envFile: '/nonexistent-llm-mgr/.env', env });

describe('resolveStandaloneConfig', () => {
  it('listens on loopback unless HOST says otherwise', () => {
    expect(at({}).host).toBe('127.0.0.1');
    expect(at({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(at({ HOST: '  ' }).host).toBe('127.0.0.1');
  });

  it('throttles 10 wrong tokens a minute by default; the limit and window are settable, 0 turns it off', () => {
    expect(at({}).authThrottle).toEqual({ maxFailures: 10, windowSeconds: 60 });
    expect(at({ LLM_MGR_AUTH_FAILURE_LIMIT: '0', LLM_MGR_AUTH_FAILURE_WINDOW_SECONDS: '5' }).authThrottle).toEqual({
      maxFailures: 0,
      windowSeconds: 5,
    });
  });

  it.each([
    ['LLM_MGR_AUTH_FAILURE_LIMIT', '-1'],
    ['LLM_MGR_AUTH_FAILURE_LIMIT', 'ten'],
    ['LLM_MGR_AUTH_FAILURE_WINDOW_SECONDS', '0'],
    ['LLM_MGR_AUTH_FAILURE_WINDOW_SECONDS', '1e3'],
  ])('refuses %s=%p as CONFIG_INVALID naming the variable', (variable, value) => {
    let error: unknown;
    try {
      at({ [variable]: value });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LlmManagerError);
    expect((error as LlmManagerError).code).toBe('CONFIG_INVALID');
    expect((error as LlmManagerError).message).toContain(variable);
  });

  it('lets the gateway read 16 MB bodies by default; LLM_MGR_GATEWAY_BODY_LIMIT_MB sets it, 0 or words are refused', () => {
    expect(at({}).gatewayBodyLimitBytes).toBe(16 * 1024 * 1024);
    expect(at({ LLM_MGR_GATEWAY_BODY_LIMIT_MB: '64' }).gatewayBodyLimitBytes).toBe(64 * 1024 * 1024);
    for (const bad of ['0', 'lots']) {
      expect(() => at({ LLM_MGR_GATEWAY_BODY_LIMIT_MB: bad })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', details: { variable: 'LLM_MGR_GATEWAY_BODY_LIMIT_MB' } }));
    }
  });

  it('keeps Swagger UI from persisting a pasted token unless asked', () => {
    expect(at({}).docs).toEqual({ persistAuthorization: false });
    expect(at({ LLM_MGR_DOCS_PERSIST_AUTHORIZATION: 'true' }).docs).toEqual({ persistAuthorization: true });
  });
});
