import { LlmManagerError } from '../common/llm-manager.error';
import { parseYamlConfig } from './yaml-config.loader';

const PLATFORMS = 'platforms: {}\n';

function problem(yaml: string): LlmManagerError {
  try {
    parseYamlConfig(yaml, 'llm_mgr_cfg.yaml');
  } catch (error) {
    if (error instanceof LlmManagerError) return error;
    throw error;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('YAML rate_limits (issue 18)', () => {
  it('reads default_user; absent, empty or limiting nothing: no default', () => {
    expect(parseYamlConfig(`${PLATFORMS}rate_limits:\n  default_user: { rpm: 60, concurrent: 4 }\n`, 'f').rateLimits).toEqual({
      defaultUser: { rpm: 60, tpm: null, concurrent: 4 },
    });
    expect(parseYamlConfig(`${PLATFORMS}rate_limits:\n  default_user: { tpm: 100000 }\n`, 'f').rateLimits.defaultUser).toEqual({ rpm: null, tpm: 100000, concurrent: null });
    expect(parseYamlConfig(`${PLATFORMS}rate_limits:\n`, 'f').rateLimits).toEqual({ defaultUser: null });
    expect(parseYamlConfig(`${PLATFORMS}rate_limits: { default_user: {} }\n`, 'f').rateLimits).toEqual({ defaultUser: null });
  });

  it('a bad limit stops the start with its line, its path and the fix', () => {
    const zero = problem(`${PLATFORMS}rate_limits:\n  default_user: { rpm: 0 }\n`);
    expect(zero.code).toBe('CONFIG_INVALID');
    expect(zero.message).toMatch(/llm_mgr_cfg\.yaml:3:\d+/);
    expect(zero.message).toContain('rpm must be a whole number from 1 to 2000000000, not 0');
    expect(problem(`${PLATFORMS}rate_limits:\n  default_user: { tpm: '100' }\n`).message).toContain('tpm must be a whole number');
    expect(problem(`${PLATFORMS}rate_limits:\n  default_user: { rps: 5 }\n`).message).toMatch(/rps/);
    expect(problem(`${PLATFORMS}rate_limits:\n  per_user: { rpm: 5 }\n`).message).toMatch(/per_user/);
    expect(problem(`${PLATFORMS}rate_limits: [1, 2]\n`).message).toContain("'rate_limits' must be a mapping");
  });
});
