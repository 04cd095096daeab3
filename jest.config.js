// Unit specs sit beside the code (src/**/*.spec.ts) and run once; the medium and e2e specs in test/ run once per
// database engine (SQLite, PostgreSQL, MariaDB), each store in a schema or database of its own
// (test/support/test-engine.ts). Specs that already cover every engine themselves run in the SQLite project only.
const base = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
};
const SUITES = ['<rootDir>/test/medium/**/*.spec.ts', '<rootDir>/test/e2e/**/*.e2e-spec.ts'];
// cli-*, usage-query and instances-shared-db run the server engines themselves; usage-writer is about a SQLite file (busy locks, file reopen);
// model-call-errors is about the upstream, not the store; database-outage runs the server engines itself;
// sqlite-shared-file and instances-shared-sqlite are about one SQLite file shared by processes;
// console-no-browser (a nested Jest's exit) and start-build (when `npm start` builds) use no database; test-run-cleanup
// makes PostgreSQL and MariaDB places itself.
const ENGINE_COVERED_ELSEWHERE = ['/test/e2e/cli-', '/test/e2e/package-host-app', '/test/medium/usage-query', '/test/medium/usage-writer', '/test/medium/model-call-errors', '/test/medium/database-outage', '/test/medium/sqlite-shared-file',
  '/test/e2e/instances-shared-sqlite',
  '/test/e2e/instances-shared-db', '/test/e2e/console-no-browser', '/test/e2e/start-build', '/test/medium/test-run-cleanup'];

const engine = (name) => ({
  ...base,
  displayName: name,
  testMatch: SUITES,
  testPathIgnorePatterns: ['/node_modules/', ...ENGINE_COVERED_ELSEWHERE],
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
    { ...base, displayName: 'sqlite', testMatch: SUITES, globals: { LLM_MGR_TEST_DB: 'sqlite' } },
    engine('postgres'),
    engine('mariadb'),
  ],
};
