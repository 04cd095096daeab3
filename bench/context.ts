/** One running llm-mgr module (temp SQLite + YAML) and one local fake upstream, shared by P1–P3. */
import 'reflect-metadata';
import type { TestingModule } from '@nestjs/testing';
import { ChatOpenAI } from '@langchain/openai';
import { LlmManagerService } from '../src/llm-manager/llm-manager.service';
import { startFakeUpstream, type FakeUpstream } from '../test/support/fake-upstream';
import { TempStore } from '../test/support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../test/support/upstream-yaml';

export const MODEL = 'fake-chat';

export interface BenchContext {
  readonly quick: boolean;
  readonly upstream: FakeUpstream;
  readonly store: TempStore;
  readonly moduleRef: TestingModule;
  readonly manager: LlmManagerService;
  /** The floor every figure compares with: a plain ChatOpenAI on the same upstream, same key. */
  rawModel(): ChatOpenAI;
  close(): Promise<void>;
}

export async function startContext(quick: boolean): Promise<BenchContext> {
  const upstream = await startFakeUpstream();
  const store = new TempStore(upstreamYaml(upstream.url));
  const moduleRef = await store.start({ env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY }, autoKey: true });
  return {
    quick,
    upstream,
    store,
    moduleRef,
    manager: moduleRef.get(LlmManagerService),
    rawModel: () => new ChatOpenAI({ model: MODEL, apiKey: SYSTEM_KEY, configuration: { baseURL: upstream.url } }),
    close: async () => {
      await moduleRef.close();
      await upstream.close();
      store.remove();
    },
  };
}
