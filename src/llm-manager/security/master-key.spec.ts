import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { LlmManagerError } from '../common/llm-manager.error';
import { createKeyCheck, resolveMasterKey, type ResolveMasterKeyInput, verifyKeyCheck } from './master-key';
import { SecretCipher } from './secret-cipher';

const KEY = 'a-configured-master-key-of-40-characters';

function caught(run: () => unknown): LlmManagerError {
  try {
    run();
  } catch (error: unknown) {
    if (error instanceof LlmManagerError) return error;
    throw error;
  }
  throw new Error('expected an LlmManagerError');
}

describe('resolveMasterKey', () => {
  let dir: string;
  let envFile: string;
  let lines: string[];
  const input = (overrides: Partial<ResolveMasterKeyInput> = {}): ResolveMasterKeyInput => ({
    configured: undefined,
    envFilePath: envFile,
    generate: true,
    hasEncryptedData: false,
    log: (line) => lines.push(line),
    ...overrides,
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'llm-mgr-key-'));
    envFile = join(dir, '.env');
    lines = [];
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('uses the configured key first, even with a key in .env', () => {
    writeFileSync(envFile, 'LLM_KEY=another-key-from-the-env-file-0123456789\n');
    expect(resolveMasterKey(input({ configured: KEY }))).toEqual({ key: KEY, source: 'option' });
  });

  it('generates a key when allowed, writes it with mode 0600 and logs one line without it', () => {
    const { key, source } = resolveMasterKey(input());
    expect(source).toBe('generated');
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readFileSync(envFile, 'utf8')).toBe(`LLM_KEY=${key}\n`);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(envFile);
    expect(lines[0]).toMatch(/generated/i);
    expect(lines[0]).toMatch(/back it up/i);
    expect(lines[0]).not.toContain(key);
  });

  it('uses the injected randomness', () => {
    const { key } = resolveMasterKey(input({ randomBytes: (size) => Buffer.alloc(size, 7) }));
    expect(key).toBe(Buffer.alloc(32, 7).toString('base64url'));
  });

  it('appends to an existing .env keeping its lines, and tightens its mode', () => {
    writeFileSync(envFile, '# app settings\nPORT=3000\nDB_URL=postgres://x', { mode: 0o644 });
    const { key } = resolveMasterKey(input());
    expect(readFileSync(envFile, 'utf8')).toBe(`# app settings\nPORT=3000\nDB_URL=postgres://x\nLLM_KEY=${key}\n`);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
  });

  it('reads the generated key back from .env on the next start', () => {
    const first = resolveMasterKey(input());
    const second = resolveMasterKey(input({ hasEncryptedData: true }));
    expect(second).toEqual({ key: first.key, source: 'env-file' });
    expect(lines).toHaveLength(1);
  });

  it('refuses to generate when encrypted data exists, writing nothing', () => {
    writeFileSync(join(dir, 'other.txt'), 'keep');
    const before = readdirSync(dir).sort();
    const error = caught(() => resolveMasterKey(input({ hasEncryptedData: true })));
    expect(error.code).toBe('MASTER_KEY_MISSING');
    expect(error.message).toContain('Encrypted secrets exist in the database but LLM_KEY is not set');
    expect(error.message).toContain('nothing was changed');
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(lines).toEqual([]);
  });

  it('says how to set the key when generation is off, writing nothing', () => {
    const error = caught(() => resolveMasterKey(input({ generate: false })));
    expect(error.code).toBe('MASTER_KEY_MISSING');
    expect(error.message).toContain('LLM_KEY');
    expect(error.message).toContain(envFile);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('ignores an empty LLM_KEY= line and appends a usable one', () => {
    writeFileSync(envFile, 'LLM_KEY=\n');
    const { key } = resolveMasterKey(input());
    expect(resolveMasterKey(input())).toEqual({ key, source: 'env-file' });
  });

  it.each([
    ['configured', true],
    ['in .env', false],
  ])('rejects a short key %s without writing or printing it', (_where, configured) => {
    if (!configured) writeFileSync(envFile, 'LLM_KEY=too-short-key\n');
    const before = readdirSync(dir).sort();
    const error = caught(() => resolveMasterKey(input({ configured: configured ? 'too-short-key' : undefined })));
    expect(error.code).toBe('MASTER_KEY_INVALID');
    expect(error.message).toContain('at least 32');
    expect(error.message).not.toContain('too-short-key');
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});

describe('key check', () => {
  const cipher = new SecretCipher(KEY);

  it('verifies with the key that created it', () => {
    expect(() => verifyKeyCheck(new SecretCipher(KEY), createKeyCheck(cipher))).not.toThrow();
  });

  it('reports a wrong key as MASTER_KEY_INVALID with the current fingerprint and no key', () => {
    const other = new SecretCipher('z'.repeat(40));
    const error = caught(() => verifyKeyCheck(other, createKeyCheck(cipher)));
    expect(error.code).toBe('MASTER_KEY_INVALID');
    expect(error.message).toContain('LLM_KEY does not match the key this database was encrypted with');
    expect(error.message).toContain(other.fingerprint());
    expect(error.message).toContain('nothing was changed');
    expect(error.message).not.toContain(KEY);
    expect(error.message).not.toContain('z'.repeat(32));
  });

  it('reports a damaged check as SECRET_INVALID', () => {
    expect(caught(() => verifyKeyCheck(cipher, 'garbage')).code).toBe('SECRET_INVALID');
    expect(caught(() => verifyKeyCheck(cipher, cipher.encrypt('something else'))).code).toBe('SECRET_INVALID');
  });
});
