import type { TestingModule } from '@nestjs/testing';
import type { DataSource } from 'typeorm';
import { CallRecorder } from '../../src/llm-manager/builder/call-recorder';
import type { TrackedChatModel } from '../../src/llm-manager/builder/tracked-chat-model';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { UsageLogEntryEntity } from '../../src/llm-manager/database/usage-log-entry.entity';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import type { LlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import { UsageWriter } from '../../src/llm-manager/usage/usage-writer';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream';
import { useNoNetworkGuard } from './no-network';
import { TempStore } from './temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from './upstream-yaml';

/** A store whose system platform `Fake` points at one fake upstream, fresh for every test of a `describe`. */
export interface TrackedModels {
  readonly upstream: FakeUpstream;
  readonly manager: LlmManagerService;
  /** Closes the app and starts it again on the same store, with `options`. */
  restart(options?: LlmManagerOptions): Promise<void>;
  /** Closes the app, keeping the store. */
  close(): Promise<void>;
  /** Every usage row, oldest first, once every call ended so far is written. */
  rows(): Promise<UsageLogEntryEntity[]>;
  /** The system model `display` of `Fake` (see upstream-yaml.ts). */
  spec(display: string, agentName?: string): Promise<TrackedChatModel>;
}

/**
 * Registers the hooks that give each test of the calling `describe` its own store, app and upstream script; `yaml`
 * replaces the configuration of upstream-yaml.ts.
 */
export function useTrackedModels(yaml: (upstreamUrl: string) => string = upstreamYaml): TrackedModels {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let store: TempStore;
  let moduleRef: TestingModule;
  let manager: LlmManagerService;

  async function start(options: LlmManagerOptions = {}): Promise<void> {
    // No retries: each failing call is one request here, and no test waits on back-off.
    moduleRef = await store.start({ env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY }, maxRetries: 0, ...options });
    manager = moduleRef.get(LlmManagerService);
  }

  beforeAll(async () => {
    upstream = await startFakeUpstream();
  });
  afterAll(() => upstream.close());
  beforeEach(async () => {
    store = new TempStore(yaml(upstream.url));
    await start();
  });
  afterEach(async () => {
    await moduleRef.close();
    store.remove();
    upstream.reset();
  });

  return {
    get upstream() {
      return upstream;
    },
    get manager() {
      return manager;
    },
    restart: async (options) => {
      await moduleRef.close();
      await start(options);
    },
    close: () => moduleRef.close(),
    rows: async () => {
      await moduleRef.get(CallRecorder).drain();
      await moduleRef.get(UsageWriter).flush();
      return moduleRef.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN).getRepository(UsageLogEntryEntity).find({ order: { id: 'ASC' } });
    },
    spec: (display, agentName) => manager.getSpecSysLlm('Fake', display, agentName ? { agentName } : {}),
  };
}
