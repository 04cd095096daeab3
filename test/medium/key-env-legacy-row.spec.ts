import type { LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { DataSource } from 'typeorm';
import { LlmManagerModule, LlmManagerService } from '../../src/llm-manager';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { PlatformEntity } from '../../src/llm-manager/database/platform.entity';
import { HostResolver } from '../../src/llm-manager/security/url-guard';
import { OfflineHostResolver, TempStore } from '../support/temp-store';

const MANAGER_KEY_VALUE = 'llm-key-value-that-must-never-leave-0123456789';

/** A platform stored (before the rule existed) with `apiKeyEnv: LLM_KEY`: the start-up names it, nothing resolves it. */
describe('a stored platform whose key variable is refused', () => {
  const store = new TempStore();
  const warnings: string[] = [];
  const capture: LoggerService = {
    log: () => undefined,
    error: (message: unknown) => warnings.push(String(message)),
    warn: (message: unknown) => warnings.push(String(message)),
  };
  let moduleRef: TestingModule | undefined;

  afterAll(async () => {
    await moduleRef?.close();
    store.remove();
  });

  it('starts, warns naming the platform and variable (never its value), and refuses to use the key', async () => {
    const first = await store.start();
    await first.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN).getRepository(PlatformEntity).update({ name: 'DeepSeek' }, { apiKeyEnv: 'LLM_KEY' });
    await first.close();

    moduleRef = await Test.createTestingModule({
      imports: [LlmManagerModule.forRoot(store.options({ env: { LLM_KEY: MANAGER_KEY_VALUE, TEST_PLATFORM_KEY: 'sk-x-0000' } }))],
    })
      .overrideProvider(HostResolver)
      .useValue(new OfflineHostResolver())
      .compile();
    moduleRef.useLogger(capture);
    await moduleRef.init();

    const warning = warnings.find((line) => line.includes("Platform 'DeepSeek'"));
    expect(warning).toContain('LLM_KEY');
    expect(warning).toContain('rotate it');
    expect(warnings.join('\n')).not.toContain(MANAGER_KEY_VALUE);

    const manager = moduleRef.get(LlmManagerService);
    const deepseek = (await manager.listPlatforms('-1')).find((p) => p.name === 'DeepSeek');
    expect(deepseek).toMatchObject({ usable: false, maskedKey: null, apiKeyEnv: 'LLM_KEY' });
    const failure = await manager.getUserLlm('-1').then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ code: 'CONFIG_INVALID', details: { variable: 'LLM_KEY' } });
    expect(String((failure as Error).message)).not.toContain(MANAGER_KEY_VALUE);
  });
});
