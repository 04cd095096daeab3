import 'reflect-metadata';
import { Test, type TestingModule } from '@nestjs/testing';
import { existsSync } from 'fs';
import type { DataSource } from 'typeorm';
import { ApiTokenEntity } from '../../src/llm-manager/api-tokens/api-token.entity';
import { ApiTokenGenerator, hashToken } from '../../src/llm-manager/api-tokens/api-token.secrets';
import {
  ApiTokenService,
  LAST_USED_WRITE_INTERVAL_MS,
  VERIFIED_TOKEN_TTL_MS,
} from '../../src/llm-manager/api-tokens/api-token.service';
import { ApiTokensModule } from '../../src/llm-manager/api-tokens/api-tokens.module';
import { LlmManagerError } from '../../src/llm-manager/common/llm-manager.error';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { LlmManagerModule } from '../../src/llm-manager/llm-manager.module';
import { Clock } from '../../src/llm-manager/usage/clock';
import { TempStore } from '../support/temp-store';

const START = new Date('2026-01-03T09:00:00.000Z');

class ManualClock extends Clock {
  private current = START.getTime();
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

async function failure(promise: Promise<unknown>): Promise<LlmManagerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LlmManagerError) return error;
    throw error;
  }
  throw new Error('expected an LlmManagerError');
}

describe('ApiTokenService (SQLite file)', () => {
  let store: TempStore;
  let moduleRef: TestingModule;
  let tokens: ApiTokenService;
  let clock: ManualClock;
  let dataSource: DataSource;

  beforeEach(async () => {
    store = new TempStore();
    clock = new ManualClock();
    moduleRef = await Test.createTestingModule({
      imports: [LlmManagerModule.forRoot({ ...store.options(), controllers: false }), ApiTokensModule],
    })
      .overrideProvider(Clock)
      .useValue(clock)
      .compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    tokens = moduleRef.get(ApiTokenService);
    dataSource = moduleRef.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);
  });
  afterEach(async () => {
    await moduleRef.close();
    store.remove();
  });

  it('issues a recognisable token once; lists never show it or its hash', async () => {
    const issued = await tokens.issue('alice', 'alice laptop');
    expect(issued.token).toMatch(/^llmu_[A-Za-z0-9_-]{43}$/);
    expect(issued).toMatchObject({ userId: 'alice', name: 'alice laptop', prefix: issued.token.slice(0, 12) });
    expect(issued).toMatchObject({ createdAt: expect.any(String), lastUsedAt: null, revokedAt: null });

    await tokens.issue('bob', 'ci');
    const listed = await tokens.list();
    expect(listed.map((t) => t.userId)).toEqual(['alice', 'bob']);
    expect((await tokens.list('bob')).map((t) => t.name)).toEqual(['ci']);
    const text = JSON.stringify(listed);
    expect(text).not.toContain(issued.token);
    expect(text).not.toContain(hashToken(issued.token));
    expect(Object.keys(listed[0]).sort()).toEqual(['allowedIps', 'allowedModels', 'createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'userId']);
  });

  it('stores the SHA-256 of the token, never the token (raw database file)', async () => {
    const issued = await tokens.issue('alice', 'laptop');
    await moduleRef.close();
    const bytes = store.dbBytes();
    expect(existsSync(`${store.dbPath}-wal`)).toBe(false);
    expect(bytes.includes(Buffer.from(issued.token))).toBe(false);
    expect(bytes.includes(Buffer.from(issued.token.slice(12)))).toBe(false);
    expect(bytes.includes(Buffer.from(hashToken(issued.token)))).toBe(true);
    moduleRef = await Test.createTestingModule({
      imports: [LlmManagerModule.forRoot({ ...store.options(), controllers: false }), ApiTokensModule],
    }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    expect(await moduleRef.get(ApiTokenService).verify(issued.token)).toBe('alice');
  });

  it('verifies each token as its own user; unknown and malformed tokens are nobody', async () => {
    const alice = await tokens.issue('alice', 'a');
    const bob = await tokens.issue('bob', 'b');
    expect(await tokens.verify(alice.token)).toBe('alice');
    expect(await tokens.verify(bob.token)).toBe('bob');
    expect(await tokens.verify(new ApiTokenGenerator().generate())).toBeNull();
    expect(await tokens.verify(`${alice.token}x`)).toBeNull();
    expect(await tokens.verify(alice.token.replace('llmu_', 'llma_'))).toBeNull();
    expect(await tokens.verify('')).toBeNull();
  });

  it('revoking takes effect at once, even for a token in the cache; twice is harmless; unknown ids are 404', async () => {
    const alice = await tokens.issue('alice', 'a');
    expect(await tokens.verify(alice.token)).toBe('alice');
    clock.advance(1000);
    const revoked = await tokens.revoke(alice.id);
    expect(revoked.revokedAt).toBe(new Date(START.getTime() + 1000).toISOString());
    expect(await tokens.verify(alice.token)).toBeNull();
    expect((await tokens.revoke(alice.id)).revokedAt).toBe(revoked.revokedAt);
    expect((await tokens.list('alice'))[0].revokedAt).toBe(revoked.revokedAt);
    expect((await failure(tokens.revoke(9999))).code).toBe('NOT_FOUND');
  });

  it('an expired token stops verifying at its moment, even while cached; its controls come back with it', async () => {
    const expiresAt = new Date(START.getTime() + 60_000).toISOString();
    const alice = await tokens.issue('alice', 'a', { expiresAt, allowedModels: ['main'], allowedIps: ['10.0.0.0/8'] });
    expect(alice).toMatchObject({ expiresAt, allowedModels: ['main'], allowedIps: ['10.0.0.0/8'] });
    expect(await tokens.authenticate(alice.token)).toEqual({ ok: true, tokenId: alice.id, userId: 'alice', allowedModels: ['main'], allowedIps: ['10.0.0.0/8'] });
    clock.advance(60_000 - 1);
    expect(await tokens.verify(alice.token)).toBe('alice');
    clock.advance(1);
    expect(await tokens.verify(alice.token)).toBeNull();
    expect(await tokens.authenticate(alice.token)).toEqual({ ok: false, reason: 'expired', expiredAt: expiresAt });
    expect(await tokens.authenticate(new ApiTokenGenerator().generate())).toEqual({ ok: false, reason: 'unknown' });
    expect((await failure(tokens.issue('bob', 'b', { expiresAt: START.toISOString() }))).details).toEqual({ field: 'expiresAt' });
  });

  it('answers from memory within the TTL (no database round trip), then asks the database again', async () => {
    const alice = await tokens.issue('alice', 'a');
    expect(await tokens.verify(alice.token)).toBe('alice');
    // Another process revokes it behind this one's back: the cache still answers until the TTL ends.
    await dataSource.getRepository(ApiTokenEntity).update({ id: alice.id }, { revokedAt: clock.now() });
    clock.advance(VERIFIED_TOKEN_TTL_MS - 1);
    expect(await tokens.verify(alice.token)).toBe('alice');
    clock.advance(1);
    expect(await tokens.verify(alice.token)).toBeNull();
  });

  it('writes last_used_at on first use and then at most once a minute', async () => {
    const alice = await tokens.issue('alice', 'a');
    const lastUsed = async (): Promise<string | null> => (await tokens.list('alice'))[0].lastUsedAt;
    await tokens.verify(alice.token);
    expect(await lastUsed()).toBe(START.toISOString());
    clock.advance(LAST_USED_WRITE_INTERVAL_MS - 1000);
    await tokens.verify(alice.token);
    expect(await lastUsed()).toBe(START.toISOString());
    clock.advance(1000);
    await tokens.verify(alice.token);
    expect(await lastUsed()).toBe(new Date(START.getTime() + LAST_USED_WRITE_INTERVAL_MS).toISOString());
  });

  it('refuses the system user, empty ids and over-long names with VALIDATION_FAILED', async () => {
    for (const [userId, name] of [
      ['-1', 'system'],
      ['  ', 'blank'],
      ['x'.repeat(65), 'long id'],
      ['alice', ''],
      ['alice', 'n'.repeat(101)],
    ]) {
      const error = await failure(tokens.issue(userId, name));
      expect(error.code).toBe('VALIDATION_FAILED');
    }
    expect(await tokens.list()).toEqual([]);
  });
});
