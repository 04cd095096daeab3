import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { LlmManagerError } from '../../llm-manager/common/llm-manager.error';
import { resolveAdminToken } from './admin-token';

describe('resolveAdminToken', () => {
  let dir: string;
  let envFile: string;
  const lines: string[] = [];
  const log = (line: string): void => void lines.push(line);
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'llm-mgr-admin-token-'));
    envFile = join(dir, '.env');
    lines.length = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates llma_ + 32 random bytes into a new .env (0600) and logs where, not what', () => {
    const resolved = resolveAdminToken({ configured: undefined, envFilePath: envFile, randomBytes: (n) => Buffer.alloc(n, 7), log });
    expect(resolved).toEqual({ token: `llma_${Buffer.alloc(32, 7).toString('base64url')}`, source: 'generated' });
    expect(readFileSync(envFile, 'utf8')).toBe(`LLM_MGR_ADMIN_TOKEN=${resolved.token}\n`);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(envFile);
    expect(lines[0]).not.toContain(resolved.token.slice(5, 15));
  });

  it('prefers the environment, then .env, and writes nothing then', () => {
    writeFileSync(envFile, `LLM_MGR_ADMIN_TOKEN=${'f'.repeat(40)}\n`);
    expect(resolveAdminToken({ configured: 'e'.repeat(40), envFilePath: envFile, log })).toEqual({ token: 'e'.repeat(40), source: 'environment' });
    expect(resolveAdminToken({ configured: undefined, envFilePath: envFile, log })).toEqual({ token: 'f'.repeat(40), source: 'env-file' });
    expect(readFileSync(envFile, 'utf8')).toBe(`LLM_MGR_ADMIN_TOKEN=${'f'.repeat(40)}\n`);
    expect(lines).toEqual([]);
  });

  it('refuses a short token without repeating it', () => {
    let error: unknown;
    try {
      resolveAdminToken({ configured: 'secret-but-short', envFilePath: envFile, log });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LlmManagerError);
    expect((error as LlmManagerError).code).toBe('CONFIG_INVALID');
    expect((error as LlmManagerError).message).not.toContain('secret-but-short');
  });
});
