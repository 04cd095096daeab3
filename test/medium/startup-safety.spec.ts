import { existsSync, readFileSync, statSync } from 'fs';
import type { LlmManagerError } from '../../src/llm-manager/common/llm-manager.error';
import { SystemPlatformService } from '../../src/llm-manager/admin/system-platform.service';
import { UserPlatformService } from '../../src/llm-manager/admin/user-platform.service';
import { failureOf } from '../support/failure';
import { TempStore } from '../support/temp-store';

function startFailure(store: TempStore, overrides: Parameters<TempStore['start']>[0]): Promise<LlmManagerError> {
  return failureOf(store.start(overrides));
}

describe('start-up safety: master key and bad YAML', () => {
  let store: TempStore;
  beforeEach(() => {
    store = new TempStore();
  });
  afterEach(() => store.remove());

  it('first start without a key generates one into .env (0600) and starts again from it', async () => {
    const moduleRef = await store.start({ masterKey: undefined });
    await moduleRef.close();
    const env = readFileSync(store.envPath, 'utf8');
    expect(env).toMatch(/^LLM_KEY=[A-Za-z0-9_-]{43}\n?$/);
    expect(statSync(store.envPath).mode & 0o777).toBe(0o600);

    const again = await store.start({ masterKey: undefined });
    expect((await again.get(SystemPlatformService).list())[1].maskedKey).toBe('sk-…dddd');
    await again.close();
  });

  it('a wrong LLM_KEY refuses to start and leaves the database byte-identical', async () => {
    const first = await store.start();
    await first.get(UserPlatformService).setUserPlatformKey('alice', 1, 'sk-alice-0000-1111-2222');
    await first.close();
    const before = store.dbBytes();

    const error = await startFailure(store, { masterKey: 'another-key-that-is-long-enough-0123456789' });
    expect(error.code).toBe('MASTER_KEY_INVALID');
    expect(error.message).toContain('LLM_KEY');
    expect(error.message).not.toContain('another-key');
    expect(store.dbBytes().equals(before)).toBe(true);
  });

  it('a missing LLM_KEY with encrypted data present refuses to start, generates nothing, changes nothing', async () => {
    await (await store.start()).close();
    const before = store.dbBytes();
    const error = await startFailure(store, { masterKey: undefined });
    expect(error.code).toBe('MASTER_KEY_MISSING');
    expect(error.message).toMatch(/LLM_KEY/);
    expect(existsSync(store.envPath)).toBe(false);
    expect(store.dbBytes().equals(before)).toBe(true);
  });

  it('an ENC: key in the YAML that LLM_KEY cannot open names the platform and changes nothing', async () => {
    await (await store.start()).close();
    const before = store.dbBytes();
    // Encrypted with another key: the GCM tag will not verify under TEST_MASTER_KEY.
    const { SecretCipher } = await import('../../src/llm-manager/security/secret-cipher');
    const foreign = new SecretCipher('some-other-master-key-of-sufficient-length').encrypt('sk-foreign');
    store.writeYaml(
      readFileSync(store.yamlPath, 'utf8').replace(
        'usages:',
        `  NewOne:\n    base_url: https://new.example.com/v1\n    api_key: '${foreign}'\n    models:\n      m: m\nusages:`,
      ),
    );
    const error = await startFailure(store, {});
    expect(error.code).toBe('MASTER_KEY_INVALID');
    expect(error.message).toContain("platform 'NewOne'");
    expect(store.dbBytes().equals(before)).toBe(true);
  });

  it.each([
    ['a syntax error', 'platforms:\n  DeepSeek: [unclosed\n', /yaml:\d+:\d+: YAML syntax error/],
    ['an unknown field', 'platforms:\n  X:\n    base_url: https://x.example.com\n    api_kye: k\n', /api_kye/],
    ['a bad URL', 'platforms:\n  X:\n    base_url: not a url\n', /base_url/],
    [
      'a non-object extra_body',
      'platforms:\n  X:\n    base_url: https://x.example.com\n    models:\n      m: { model_name: m, extra_body: [1] }\n',
      /extra_body/,
    ],
  ])('bad YAML (%s) names the file and place, and leaves the database byte-identical', async (_case, yaml, hint) => {
    await (await store.start()).close();
    const before = store.dbBytes();
    store.writeYaml(yaml);
    const error = await startFailure(store, {});
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(store.yamlPath);
    expect(error.message).toMatch(hint);
    expect(store.dbBytes().equals(before)).toBe(true);
  });

  it('stores no plaintext key anywhere in the SQLite file', async () => {
    const plainKeys = ['sk-plain-yaml-key-aaaabbbbccccdddd', 'sk-admin-secret-5555666677778888', 'sk-user-own-9999aaaabbbbcccc', 'sk-private-platform-ddddeeeeffff'];
    const moduleRef = await store.start();
    const system = moduleRef.get(SystemPlatformService);
    const users = moduleRef.get(UserPlatformService);
    const created = await system.create({ name: 'Admin', baseUrl: 'https://admin.example.com/v1', apiKey: plainKeys[1] });
    await users.setUserPlatformKey('alice', created.id, plainKeys[2]);
    await users.addPlatform('alice', { name: 'Private', baseUrl: 'https://p.example.com/v1', apiKey: plainKeys[3] });
    await moduleRef.close();

    const raw = store.dbBytes();
    for (const key of plainKeys) {
      expect(raw.includes(Buffer.from(key))).toBe(false);
      expect(raw.includes(Buffer.from(key.slice(3, 15)))).toBe(false);
    }
    expect(raw.includes(Buffer.from('ENC:v1:'))).toBe(true);
  });
});
