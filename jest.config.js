// Unit specs sit beside the code (src/**/*.spec.ts) and run once; the medium and e2e specs in test/ run once per
// database engine (SQLite on better-sqlite3, PostgreSQL, MariaDB), each store in a schema or database of its own
// (test/support/test-engine.ts), and the medium specs once more on SQLite through the sqlite3 package. Specs that
// already cover every engine themselves run in the SQLite project only.
const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
};
const SUITES = ['<rootDir>/test/medium/**/*.spec.ts', '<rootDir>/test/e2e/**/*.e2e-spec.ts'];
// cli-*, usage-query and instances-shared-db run the server engines themselves; usage-writer is about a SQLite file on both
// SQLite drivers (busy locks, file reopen, variable limits);
// sqlite-lock-wait runs both SQLite drivers itself; rate-limit-slices and gateway-rate-limits-redis are about Redis alone; model-call-errors and gateway-keyless are about the upstream, not the store;
// database-outage and budget-settle-outage run the server engines themselves; sqlite-shared-file and instances-shared-sqlite are about one SQLite
// file shared by processes;
// console-no-browser (a nested Jest's exit) and start-build (when `npm start` builds) use no database; test-run-cleanup
// makes PostgreSQL and MariaDB places itself; console-phone-keyboard, console-details, console-error-words and
// console-yaml-test-model (no database call) and console-ops (issue 19's screens; their server side is platform-health's
// and the budgets' and tokens' specs on every engine) and console-rate-limits (issue 18's page; its server side is
// rate-limits-routes' on every engine) are about layout, keys and words, the same on every engine.
const ENGINE_COVERED_ELSEWHERE = ['/test/e2e/cli-', '/test/e2e/package-host-app', '/test/medium/usage-query', '/test/medium/usage-writer',
  '/test/e2e/instances-shared-db', '/test/e2e/instances-cooldowns', '/test/medium/sqlite-lock-wait', '/test/medium/rate-limit-slices', '/test/e2e/gateway-rate-limits-redis', '/test/medium/model-call-errors', '/test/e2e/gateway-keyless', '/test/medium/database-outage', '/test/medium/budget-settle-outage', '/test/medium/cooldowns-outage',
  '/test/medium/sqlite-shared-file', '/test/e2e/instances-shared-sqlite', '/test/e2e/console-no-browser', '/test/e2e/console-phone-keyboard',
  '/test/e2e/console-details', '/test/e2e/console-error-words', '/test/e2e/console-yaml-test-model', '/test/e2e/console-ops', '/test/e2e/console-rate-limits', '/test/e2e/start-build', '/test/medium/test-run-cleanup'];

// The standalone server on the sqlite3 package: the sqlite3 project's smoke test, run there only.
const SQLITE3_ONLY = '/test/e2e/standalone-sqlite3';

const engine = (name) => ({
  ...base,
  displayName: name,
  testMatch: SUITES,
  testPathIgnorePatterns: ['/node_modules/', SQLITE3_ONLY, ...ENGINE_COVERED_ELSEWHERE],
  globals: { LLM_MGR_TEST_DB: name },
  globalSetup: '<rootDir>/test/support/engine-check.js',
});

module.exports = {
  testTimeout: 30000,
  // Names the run and, at its end, drops every PostgreSQL schema / MariaDB database it created (test/support/test-run.js).
  globalSetup: '<rootDir>/test/support/test-run.setup.js',
  globalTeardown: '<rootDir>/test/support/test-run.teardown.js',
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/support/**/*.spec.ts', '<rootDir>/config/**/*.spec.ts'],
    },
    {
      ...base,
      displayName: 'sqlite',
      testMatch: SUITES,
      testPathIgnorePatterns: ['/node_modules/', SQLITE3_ONLY],
      globals: { LLM_MGR_TEST_DB: 'sqlite' },
    },
    // The sqlite3 package (TypeORM's type 'sqlite'): the medium suite, and the standalone server's smoke test.
    {
      ...base,
      displayName: 'sqlite3',
      testMatch: ['<rootDir>/test/medium/**/*.spec.ts', `<rootDir>${SQLITE3_ONLY}.e2e-spec.ts`],
      testPathIgnorePatterns: ['/node_modules/', ...ENGINE_COVERED_ELSEWHERE],
      globals: { LLM_MGR_TEST_DB: 'sqlite3' },
    },
    engine('postgres'),
    engine('mariadb'),
  ],
};
