import { spawnSync } from 'child_process';
import { join } from 'path';
import { TEST_CHROMIUM_ENV } from '../support/browser';

const ROOT = join(__dirname, '..', '..');

/**
 * A console suite whose browser cannot start must fail the run promptly. Its `beforeAll` had started the fake
 * upstream, the server and the database before the launch failed; left open, they kept Jest alive after the run
 * ("did not exit one second after the test run") until CI killed it.
 */
describe('console suites without a browser', () => {
  it('fail and exit non-zero within a minute instead of hanging', () => {
    const started = Date.now();
    const run = spawnSync(
      process.execPath,
      [require.resolve('jest/bin/jest'), 'test/e2e/console-yaml', '--selectProjects', 'sqlite', '--ci', '--runInBand'],
      {
        cwd: ROOT,
        env: { ...process.env, [TEST_CHROMIUM_ENV]: join(ROOT, 'no-such-chromium') },
        encoding: 'utf8',
        // Jest waits for open handles forever; 60 s stands for "hangs" (the nested run needs about 10 s).
        timeout: 60_000,
        killSignal: 'SIGKILL',
      },
    );
    const output = `${run.stdout}\n${run.stderr}`;
    expect({ signal: run.signal, status: run.status }).toEqual({ signal: null, status: 1 });
    expect(output).toContain(`${TEST_CHROMIUM_ENV}=${join(ROOT, 'no-such-chromium')}: no such file`);
    expect(output).not.toContain('did not exit one second after the test run');
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);
});
