import { databaseFromUrl, resolveOptions } from './llm-manager.options';

describe('databaseFromUrl (LLM_MGR_DATABASE_URL)', () => {
  it.each([
    // better-sqlite3, the default driver: a bare path, sqlite: and sqlite://
    ['llm_config.db', 'better-sqlite3', 'llm_config.db'],
    ['sqlite:llm_config.db', 'better-sqlite3', 'llm_config.db'],
    ['sqlite://data/llm.db', 'better-sqlite3', 'data/llm.db'],
    ['sqlite:///var/lib/llm/llm.db', 'better-sqlite3', '/var/lib/llm/llm.db'],
    ['/var/lib/llm/llm.db', 'better-sqlite3', '/var/lib/llm/llm.db'],
    // the sqlite3 package (TypeORM type 'sqlite'): sqlite3: and sqlite3://
    ['sqlite3:llm_config.db', 'sqlite', 'llm_config.db'],
    ['sqlite3://data/llm.db', 'sqlite', 'data/llm.db'],
    ['sqlite3:///var/lib/llm/llm.db', 'sqlite', '/var/lib/llm/llm.db'],
    ['SQLITE3:/var/lib/llm/llm.db', 'sqlite', '/var/lib/llm/llm.db'],
    ['sqlite3::memory:', 'sqlite', ':memory:'],
  ])('%s is the SQLite file on %s: %s', (url, type, database) => {
    expect(databaseFromUrl(url)).toEqual({ type, database });
  });

  it('reaches the resolved options from the environment', () => {
    expect(resolveOptions({}, { LLM_MGR_DATABASE_URL: 'sqlite3:/srv/llm.db' }).database).toEqual({ type: 'sqlite', database: '/srv/llm.db' });
  });
});

describe('cooldown (issue 18)', () => {
  it('defaults to LiteLLM-like settings: 3 failures a minute, 5 s doubling up to 5 min, read at most every second', () => {
    expect(resolveOptions({}, {}).cooldown).toEqual({ allowedFails: 3, windowMs: 60_000, cooldownMs: 5000, maxCooldownMs: 300_000, readCacheMs: 1000 });
    expect(resolveOptions({ cooldown: { cooldownMs: 600_000 } }, {}).cooldown).toMatchObject({ cooldownMs: 600_000, maxCooldownMs: 600_000 });
    expect(resolveOptions({ cooldown: false }, {}).cooldown).toBe(false);
  });

  it.each([
    [{ allowedFails: 0 }, 'Option cooldown.allowedFails=0 must be a whole number ≥ 1.'],
    [{ windowMs: 1.5 }, 'Option cooldown.windowMs=1.5 must be a whole number ≥ 1.'],
    [{ cooldownMs: 10_000, maxCooldownMs: 5000 }, 'Option cooldown.maxCooldownMs (5000) must be at least cooldown.cooldownMs (10000).'],
    [{ readCacheMs: -1 }, 'Option cooldown.readCacheMs=-1 must be a whole number ≥ 0.'],
  ])('refuses %j with a message naming the option', (cooldown, message) => {
    expect(() => resolveOptions({ cooldown }, {})).toThrow(message);
  });
});

describe('resilience settings from the environment (the standalone server has no options object)', () => {
  it('maxRetries, requestTimeoutMs, cooldown and the lease from LLM_MGR_* variables; the option wins', () => {
    const env = {
      LLM_MGR_MAX_RETRIES: '0',
      LLM_MGR_REQUEST_TIMEOUT_MS: '30000',
      LLM_MGR_COOLDOWN_ALLOWED_FAILS: '5',
      LLM_MGR_COOLDOWN_MS: '10000',
      LLM_MGR_RATE_LIMIT_LEASE_MS: '5000',
    };
    expect(resolveOptions({}, env)).toMatchObject({
      maxRetries: 0,
      requestTimeoutMs: 30_000,
      cooldown: { allowedFails: 5, cooldownMs: 10_000, windowMs: 60_000 },
      rateLimitLeaseMs: 5000,
    });
    expect(resolveOptions({ maxRetries: 3, requestTimeoutMs: 1000, cooldown: { allowedFails: 2 } }, env)).toMatchObject({
      maxRetries: 3,
      requestTimeoutMs: 1000,
      cooldown: { allowedFails: 2, cooldownMs: 5000 },
    });
    expect(resolveOptions({}, { LLM_MGR_COOLDOWN: 'off', LLM_MGR_COOLDOWN_MS: '10000' }).cooldown).toBe(false);
    expect(resolveOptions({}, {})).toMatchObject({ maxRetries: 2, requestTimeoutMs: 120_000, rateLimitLeaseMs: 30_000 });
  });

  it('a bad value names the variable or option and what it must be', () => {
    expect(() => resolveOptions({}, { LLM_MGR_MAX_RETRIES: '1.5' })).toThrow('LLM_MGR_MAX_RETRIES="1.5" must be a whole number ≥ 0');
    expect(() => resolveOptions({}, { LLM_MGR_REQUEST_TIMEOUT_MS: '0' })).toThrow('LLM_MGR_REQUEST_TIMEOUT_MS="0" must be a whole number ≥ 1');
    expect(() => resolveOptions({}, { LLM_MGR_COOLDOWN_MS: 'soon' })).toThrow('LLM_MGR_COOLDOWN_MS="soon" must be a number ≥ 0');
    expect(() => resolveOptions({ maxRetries: -1 }, {})).toThrow('Option maxRetries=-1 must be a whole number ≥ 0');
  });
});

describe('rate-limit options (issue 18)', () => {
  it('redisUrl from LLM_MGR_REDIS_URL, the prefix from LLM_MGR_REDIS_PREFIX; the option wins; unset: the database', () => {
    expect(resolveOptions({}, {})).toMatchObject({ redisUrl: null, redisKeyPrefix: 'llm-mgr:', rateLimitLeaseMs: 30_000, defaultUserRateLimit: null });
    const env = { LLM_MGR_REDIS_URL: ' redis://10.0.0.5:6379/2 ', LLM_MGR_REDIS_PREFIX: 'app1:' };
    expect(resolveOptions({}, env)).toMatchObject({ redisUrl: 'redis://10.0.0.5:6379/2', redisKeyPrefix: 'app1:' });
    expect(resolveOptions({ redisUrl: 'redis://127.0.0.1:6379' }, env).redisUrl).toBe('redis://127.0.0.1:6379');
  });

  it('defaultUserRateLimit: whole numbers from 1, null for none; a bad one names the field and the fix', () => {
    expect(resolveOptions({ defaultUserRateLimit: { rpm: 60, tpm: null } }, {}).defaultUserRateLimit).toEqual({ rpm: 60, tpm: null, concurrent: null });
    expect(resolveOptions({ defaultUserRateLimit: {} }, {}).defaultUserRateLimit).toBeNull();
    expect(() => resolveOptions({ defaultUserRateLimit: { rpm: 0 } }, {})).toThrow(
      'Option defaultUserRateLimit.rpm=0 must be a whole number from 1 to 2000000000, or null for no limit.',
    );
    expect(() => resolveOptions({ defaultUserRateLimit: { concurrent: 1.5 } }, {})).toThrow(/concurrent=1\.5/);
    expect(() => resolveOptions({ defaultUserRateLimit: { rps: 5 } as never }, {})).toThrow(/unknown field\(s\) rps/);
    expect(() => resolveOptions({ rateLimitLeaseMs: 0 }, {})).toThrow(/rateLimitLeaseMs=0/);
  });
});

describe('autoKeyBudget (issue 16)', () => {
  it('is completed with the budget time zone and hard by default; unset leaves it to the YAML; null means none', () => {
    expect(resolveOptions({ autoKeyBudget: { limitUsd: 5, period: 'day' }, budgetTimeZone: 'Asia/Shanghai' }, {}).autoKeyBudget).toEqual({
      limitUsd: 5, period: 'day', timeZone: 'Asia/Shanghai', hard: true,
    });
    expect(resolveOptions({}, {}).autoKeyBudget).toBeUndefined();
    expect(resolveOptions({ autoKeyBudget: null }, {}).autoKeyBudget).toBeNull();
  });

  it.each([
    [{ limitUsd: -1, period: 'day' }, 'limit must be a number of USD from 0'],
    [{ limitUsd: 5, period: 'year' }, 'period must be one of day, week, month, total'],
    [{ limitUsd: 5, period: 'day', timeZone: 'Mars/Olympus' }, 'not an IANA time zone'],
  ])('refuses %j with CONFIG_INVALID and the fix', (autoKeyBudget, says) => {
    expect(() => resolveOptions({ autoKeyBudget: autoKeyBudget as never }, {})).toThrow(says);
    expect(() => resolveOptions({ autoKeyBudget: autoKeyBudget as never }, {})).toThrow("Example: { limitUsd: 5, period: 'day' }");
  });
});
