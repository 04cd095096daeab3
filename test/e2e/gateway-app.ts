import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { AddressInfo } from 'node:net';
import type { DataSource } from 'typeorm';
import { ApiTokenService } from '../../src/llm-manager/api-tokens/api-token.service';
import { CallRecorder } from '../../src/llm-manager/builder/call-recorder';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { UsageLogEntryEntity } from '../../src/llm-manager/database/usage-log-entry.entity';
import { LlmManagerModule } from '../../src/llm-manager/llm-manager.module';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import type { LlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import { HostResolver } from '../../src/llm-manager/security/url-guard';
import { UsageWriter } from '../../src/llm-manager/usage/usage-writer';
import type { FakeUpstream } from '../support/fake-upstream';
import { OfflineHostResolver, TempStore } from '../support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';

/**
 * A host app with `LlmManagerModule.forRoot({ gateway: true })` listening on 127.0.0.1 (real OpenAI clients need a
 * URL), its system platforms on the fake upstream, users borrowing the system key (autoKey).
 */
export class GatewayApp {
  private constructor(
    readonly app: INestApplication,
    readonly store: TempStore,
    /** `http://127.0.0.1:<port>/v1`, the base URL an OpenAI SDK takes. */
    readonly url: string,
  ) {}

  /** `yaml` replaces the platforms of upstreamYaml (the system key variable stays the same); `resolver` answers DNS. */
  static async start(
    upstream: FakeUpstream,
    options: LlmManagerOptions = {},
    yaml = upstreamYaml(upstream.url),
    resolver: HostResolver = new OfflineHostResolver(),
  ): Promise<GatewayApp> {
    const store = new TempStore(yaml);
    try {
      const moduleRef = await Test.createTestingModule({
        imports: [
          LlmManagerModule.forRoot({
            ...store.options({ env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY }, autoKey: true, maxRetries: 0, ...options }),
            gateway: true,
          }),
        ],
      })
        .overrideProvider(HostResolver)
        .useValue(resolver)
        .compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await app.listen(0, '127.0.0.1');
      const { port } = app.getHttpServer().address() as AddressInfo;
      return new GatewayApp(app, store, `http://127.0.0.1:${port}/v1`);
    } catch (error) {
      store.remove();
      throw error;
    }
  }

  /** A fresh `llmu_` token acting as `userId`. */
  async tokenFor(userId: string): Promise<string> {
    return (await this.app.get(ApiTokenService).issue(userId, `gateway test ${userId}`)).token;
  }

  /** Gives `userId` a slot `slot` bound to the `Fake` platform's `model` with `fallbacks` as its chain (display names). */
  async slotWithFallbacks(userId: string, slot: string, model: string, fallbacks: string[]): Promise<void> {
    const manager = this.app.get(LlmManagerService);
    const fake = (await manager.listPlatforms(userId)).find((p) => p.name === 'Fake')!;
    const id = (name: string): { platformId: number; modelId: number } => ({ platformId: fake.id, modelId: fake.models.find((m) => m.displayName === name)!.id });
    await manager.createUserUsageSlot(userId, slot, { ...id(model), fallbacks: fallbacks.map(id) });
  }

  /** `POST /v1/chat/completions` with `token`: one user message `hi` to `model`, `extra` fields merged over it. */
  chat(token: string, model: string, extra: Record<string, unknown> = {}): Promise<Response> {
    return fetch(`${this.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra }),
    });
  }

  /** Every usage row, once every call ended so far is written. */
  async rows(): Promise<UsageLogEntryEntity[]> {
    await this.app.get(CallRecorder).drain();
    await this.app.get(UsageWriter).flush();
    return this.app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN).getRepository(UsageLogEntryEntity).find({ order: { id: 'ASC' } });
  }

  /** Resolves once no call is live (a client's abort reached the recorder). */
  async idle(): Promise<void> {
    const recorder = this.app.get(CallRecorder);
    while (recorder.liveCalls > 0) await new Promise((resolve) => setImmediate(resolve));
  }

  async close(): Promise<void> {
    try {
      await this.app.close();
    } finally {
      this.store.remove();
    }
  }

  /**
   * Closes the app as a shutdown does (drain, then what is still running recorded as aborted), reads the usage rows
   * back through a fresh module on the same store, and removes the store.
   */
  async closeAndReadRows(): Promise<UsageLogEntryEntity[]> {
    try {
      await this.app.close();
      const reader = await this.store.start({ env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY }, usageJournal: false });
      try {
        return await reader.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN).getRepository(UsageLogEntryEntity).find({ order: { id: 'ASC' } });
      } finally {
        await reader.close();
      }
    } finally {
      this.store.remove();
    }
  }
}
