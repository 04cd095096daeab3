import { readFileSync } from 'node:fs';
import type { DataSource } from 'typeorm';
import { MetaEntity } from '../../src/llm-manager/database/meta.entity';
import { PlatformEntity } from '../../src/llm-manager/database/platform.entity';
import { SysPlatformKeyEntity } from '../../src/llm-manager/database/sys-platform-key.entity';
import { verifyKeyCheck } from '../../src/llm-manager/security/master-key';
import { SecretCipher } from '../../src/llm-manager/security/secret-cipher';
import { openForInspection } from './cli-databases';

/** The variable holding the fake upstream's key, and that key. */
export const UPSTREAM_KEY_ENV = 'FAKE_UPSTREAM_KEY';
export const UPSTREAM_KEY = 'sk-fake-upstream-key-0123456789abcd';
/** Keys that live encrypted: in the YAML (ENC), in the YAML as plain text (encrypted by sync), and users' own. */
export const YAML_ENC_KEY = 'sk-yaml-encrypted-key-aaaa1111bbbb';
export const YAML_PLAIN_KEY = 'sk-yaml-plain-key-cccc2222dddd';
export const BOB_PLATFORM_KEY = 'sk-bob-private-platform-key-3333';
export const ALICE_OWN_KEY = 'sk-alice-own-key-for-fake-4444';

/** Every plaintext key a test puts anywhere; none may ever be printed. */
export const ALL_PLAIN_KEYS = [UPSTREAM_KEY, YAML_ENC_KEY, YAML_PLAIN_KEY, BOB_PLATFORM_KEY, ALICE_OWN_KEY];

/** A YAML with every key form (env placeholder, ENC, plain, none), a full-form model with prices, and comments. */
export function cliYaml(baseUrl: string, cipher: SecretCipher): string {
  return `# System platforms of the CLI tests (keep this comment)
platforms:
  Fake:
    base_url: ${baseUrl}
    api_key: '{${UPSTREAM_KEY_ENV}}'
    models:
      chat: fake-chat
      broken: fake-error-500
      thinking:
        model_name: fake-reasoning
        extra_body: { enable_thinking: true, thinking_budget: 256 }
        input_price: 0.5
        cached_input_price: 0.125
        output_price: 2
  Sealed:
    base_url: ${baseUrl}
    api_key: '${cipher.encrypt(YAML_ENC_KEY)}' # encrypted with LLM_KEY
    models:
      sealed-chat: fake-chat
  Plain:
    base_url: http://127.0.0.1:9/v1
    api_key: ${YAML_PLAIN_KEY}
    models:
      通义flash: qwen-flash
  Local:
    base_url: ${baseUrl}
    models:
      local-chat: fake-chat
usages:
  main: { platform: Fake, model: chat }
  fast: { platform: Sealed, model: sealed-chat }
  reason: { platform: Fake, model: thinking }
`;
}

/** Stores what only users create: a private platform with its key, and a user's own key for a system platform. */
export async function seedUserSecrets(databaseUrl: string, cipher: SecretCipher): Promise<void> {
  const dataSource = await openForInspection(databaseUrl);
  try {
    const fake = await dataSource.getRepository(PlatformEntity).findOneByOrFail({ ownerId: '-1', name: 'Fake' });
    await dataSource.getRepository(PlatformEntity).save({
      ownerId: 'bob',
      name: 'Bob own',
      baseUrl: 'http://127.0.0.1:9/v1',
      apiKeyEnc: cipher.encrypt(BOB_PLATFORM_KEY),
      apiKeyEnv: null,
      sortOrder: 0,
    });
    await dataSource.getRepository(SysPlatformKeyEntity).save({ userId: 'alice', platformId: fake.id, apiKeyEnc: cipher.encrypt(ALICE_OWN_KEY) });
  } finally {
    await dataSource.destroy();
  }
}

/** What `key` opens: the key check, every stored secret and every ENC value of the YAML. Throws when one does not. */
export interface OpenedSecrets {
  database: string[];
  yaml: string[];
}

export async function openEverything(databaseUrl: string, yamlPath: string, key: string): Promise<OpenedSecrets> {
  const cipher = new SecretCipher(key);
  const dataSource = await openForInspection(databaseUrl);
  try {
    const check = await dataSource.getRepository(MetaEntity).findOneByOrFail({ key: 'master_key_check' });
    verifyKeyCheck(cipher, check.value);
    return { database: (await storedEnvelopes(dataSource)).map((e) => cipher.decrypt(e)).sort(), yaml: yamlEnvelopes(yamlPath).map((e) => cipher.decrypt(e)).sort() };
  } finally {
    await dataSource.destroy();
  }
}

/** Every envelope stored in the database (platform keys and users' own keys). */
export async function storedEnvelopes(dataSource: DataSource): Promise<string[]> {
  const platforms = await dataSource.getRepository(PlatformEntity).find();
  const userKeys = await dataSource.getRepository(SysPlatformKeyEntity).find();
  return [...platforms.map((p) => p.apiKeyEnc), ...userKeys.map((k) => k.apiKeyEnc)].filter((e): e is string => e !== null);
}

export function yamlEnvelopes(yamlPath: string): string[] {
  return readFileSync(yamlPath, 'utf8').match(/ENC:v1:[A-Za-z0-9_-]+/g) ?? [];
}

/** True when `key` does not open the database's key check. */
export async function keyIsRejected(databaseUrl: string, key: string): Promise<boolean> {
  const dataSource = await openForInspection(databaseUrl);
  try {
    const check = await dataSource.getRepository(MetaEntity).findOneByOrFail({ key: 'master_key_check' });
    verifyKeyCheck(new SecretCipher(key), check.value);
    return false;
  } catch (error: unknown) {
    if (error instanceof Error && error.name === 'LlmManagerError') return true;
    throw error;
  } finally {
    await dataSource.destroy();
  }
}

/** Fails the test when any plaintext key appears in `text`. */
export function expectNoPlainKeys(text: string, extra: readonly string[] = []): void {
  for (const key of [...ALL_PLAIN_KEYS, ...extra]) expect(text).not.toContain(key);
}
