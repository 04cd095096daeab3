import { Module } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import { LlmManagerModule } from '../../src/llm-manager/llm-manager.module';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { useNoNetworkGuard } from '../support/no-network';
import { TempStore } from '../support/temp-store';

/**
 * The README's headline call, `LlmManagerModule.forRoot()` with nothing in it: everything comes from defaults and the
 * process environment, relative to the working directory, as in a host app started from its own folder. (This file
 * type-checks with `npm test`'s tsc step, so a required argument fails the run with TS2554 before Jest starts.)
 */
describe('LlmManagerModule.forRoot() with no argument', () => {
  useNoNetworkGuard();
  const store = new TempStore();
  const cwd = process.cwd();
  const variables = ['LLM_MGR_DATABASE_URL', 'LLM_MGR_CONFIG', 'LLM_KEY', 'TEST_PLATFORM_KEY'] as const;
  const saved = Object.fromEntries(variables.map((name) => [name, process.env[name]]));
  let moduleRef: TestingModule | undefined;

  beforeAll(async () => {
    process.chdir(store.dir);
    for (const name of variables) delete process.env[name];
    // On PostgreSQL/MariaDB the run's own place, given the way an operator would; SQLite uses the default file.
    if (store.database.engine !== 'sqlite') process.env.LLM_MGR_DATABASE_URL = store.database.url;
    process.env.TEST_PLATFORM_KEY = 'sk-test-env-key-0000111122223333';

    @Module({ imports: [LlmManagerModule.forRoot()] })
    class HostAppModule {}
    moduleRef = await Test.createTestingModule({ imports: [HostAppModule] }).compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
  });
  afterAll(async () => {
    await moduleRef?.close();
    process.chdir(cwd);
    for (const name of variables) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    store.remove();
  });

  it('starts on the defaults: llm_mgr_cfg.yaml and .env of the working directory, llm_config.db unless a URL is set', async () => {
    // The system user's main slot: DeepSeek, whose key is `{TEST_PLATFORM_KEY}`, found in the process environment.
    const llm = await moduleRef!.get(LlmManagerService).getUserLlm();
    expect(llm.model).toBe('deepseek-chat');
    expect(readFileSync(join(store.dir, '.env'), 'utf8')).toMatch(/^LLM_KEY=\S{32,}$/m);
    expect(existsSync(join(store.dir, 'llm_config.db'))).toBe(store.database.engine === 'sqlite');
  });

  it('gives the module forRoot({}) gives: global, with the REST routes', () => {
    const noArgument = LlmManagerModule.forRoot();
    const empty = LlmManagerModule.forRoot({});
    expect(noArgument.global).toBe(true);
    expect(noArgument.imports?.length).toBe(empty.imports?.length);
  });
});
