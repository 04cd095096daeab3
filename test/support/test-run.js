// One Jest run's places on the shared PostgreSQL/MariaDB servers. Global setup names the run; test-engine.ts notes
// every schema/database it creates in the run's ledger; global teardown drops each one still there, so a spec that
// failed (or forgot its afterAll) leaves nothing behind. Only this run's ledger is read: other runs on the same server
// keep theirs.
const { execFileSync } = require('child_process');
const { randomBytes } = require('crypto');
const { existsSync, readFileSync, rmSync } = require('fs');
const { tmpdir } = require('os');
const { join } = require('path');

const RUN_ENV = 'LLM_MGR_TEST_RUN';

/** The ledger of a run: one `<engine> <name>` line per place created. */
function ledgerPath(run) {
  return join(tmpdir(), `llm-mgr-test-run-${run}.places`);
}

/** Drops one place; IF EXISTS, so places the specs dropped themselves cost one statement. */
function dropPlace(engine, name) {
  if (engine === 'postgres') {
    execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'test', '-v', 'ON_ERROR_STOP=1', '-qAtc', `DROP SCHEMA IF EXISTS "${name}" CASCADE`], { stdio: 'pipe', timeout: 30000 });
  } else if (engine === 'mariadb') {
    execFileSync('mariadb', ['-h', '127.0.0.1', '-u', 'root', '-e', `DROP DATABASE IF EXISTS \`${name}\``], { stdio: 'pipe', timeout: 30000 });
  }
}

async function setup() {
  // Always a new name, even when inherited: a Jest started by a spec must not drop its parent run's places.
  process.env[RUN_ENV] = randomBytes(4).toString('hex');
}

async function teardown() {
  const run = process.env[RUN_ENV];
  if (!run || !existsSync(ledgerPath(run))) return;
  const lines = readFileSync(ledgerPath(run), 'utf8').split('\n').filter(Boolean);
  const failures = [];
  for (const line of new Set(lines)) {
    const [engine, name] = line.split(' ');
    try {
      dropPlace(engine, name);
    } catch (error) {
      failures.push(`${engine} ${name}: ${String(error.stderr || error.message).trim()}`);
    }
  }
  rmSync(ledgerPath(run), { force: true });
  if (failures.length > 0) throw new Error(`Could not drop this run's test places:\n${failures.join('\n')}`);
}

module.exports = { RUN_ENV, ledgerPath, setup, teardown };
