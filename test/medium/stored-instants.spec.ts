import 'reflect-metadata';
import { execFileSync } from 'child_process';
import { join } from 'path';
import { TempStore } from '../support/temp-store';

/**
 * Instants stored by llm-mgr mean the same in every time zone: one process in Asia/Shanghai and one in
 * America/New_York, on the same database, must read the same instant back, whether the value came from the server's
 * default (`created_at`) or from the application (`last_used_at`), and the usage writer's UTC rows must agree with both.
 * Time zones are per process in Node, so each writer/reader runs as a child.
 */
describe('stored instants are UTC whatever the time zone of the process', () => {
  let store: TempStore;
  beforeAll(() => {
    store = new TempStore();
  });
  afterAll(() => store.remove());

  const run = (timeZone: string, step: 'write' | 'read'): Record<string, number> => {
    const output = execFileSync(
      process.execPath,
      ['-r', require.resolve('ts-node/register/transpile-only'), join(__dirname, '..', 'support', 'instant-probe.ts'), step],
      {
        env: { ...process.env, TZ: timeZone, TS_NODE_PROJECT: join(__dirname, '..', '..', 'tsconfig.test.json'), PROBE_DATABASE: JSON.stringify(store.options().database) },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    return JSON.parse(output.trim().split('\n').pop()!) as Record<string, number>;
  };

  it('writes in Shanghai, reads the same instants in New York', () => {
    const written = run('Asia/Shanghai', 'write');
    const read = run('America/New_York', 'read');
    // The server's default and the application's value were taken within the same second of the writer's clock.
    expect(Math.abs(written.createdAt - written.before)).toBeLessThan(5_000);
    expect(read.createdAt).toBe(written.createdAt);
    expect(Math.abs(read.lastUsedAt - written.lastUsedAt)).toBeLessThan(1_000); // MariaDB keeps whole seconds
    expect(Math.abs(read.usageAt - written.usageAt)).toBeLessThan(1_000);
    // A usage row written at the same moment as the token lands in the same UTC hour bucket as that moment.
    expect(read.usageInLastHour).toBe(1);
  });
});
