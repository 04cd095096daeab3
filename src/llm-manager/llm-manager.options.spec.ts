import { databaseFromUrl, resolveOptions } from './llm-manager.options';

describe('databaseFromUrl (LLM_MGR_DATABASE_URL)', () => {
  it.each([
    ['llm_config.db', 'llm_config.db'],
    ['sqlite:llm_config.db', 'llm_config.db'],
    ['sqlite://data/llm.db', 'data/llm.db'],
    ['sqlite:///var/lib/llm/llm.db', '/var/lib/llm/llm.db'],
    ['/var/lib/llm/llm.db', '/var/lib/llm/llm.db'],
  ])('%s is a SQLite file on better-sqlite3, the default driver', (url, file) => {
    expect(databaseFromUrl(url)).toEqual({ type: 'better-sqlite3', database: file });
  });

  it.each([
    ['sqlite3:llm_config.db', 'llm_config.db'],
    ['sqlite3://data/llm.db', 'data/llm.db'],
    ['sqlite3:///var/lib/llm/llm.db', '/var/lib/llm/llm.db'],
    ['SQLITE3:/var/lib/llm/llm.db', '/var/lib/llm/llm.db'],
    ['sqlite3::memory:', ':memory:'],
  ])("%s is a SQLite file on the sqlite3 package (TypeORM type 'sqlite')", (url, file) => {
    expect(databaseFromUrl(url)).toEqual({ type: 'sqlite', database: file });
  });

  it('reaches the resolved options from the environment', () => {
    expect(resolveOptions({}, { LLM_MGR_DATABASE_URL: 'sqlite3:/srv/llm.db' }).database).toEqual({ type: 'sqlite', database: '/srv/llm.db' });
  });
});
