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
