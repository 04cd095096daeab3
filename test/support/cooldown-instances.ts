import { Test, type TestingModule } from '@nestjs/testing';
import type { LoggerService } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { CallRecorder } from '../../src/llm-manager/builder/call-recorder';
import { KeyCooldowns } from '../../src/llm-manager/cooldowns/key-cooldowns';
import { KeyHealthEntity } from '../../src/llm-manager/cooldowns/key-health.entity';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { LlmManagerModule } from '../../src/llm-manager/llm-manager.module';
import type { LlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { HostResolver } from '../../src/llm-manager/security/url-guard';
import { Clock } from '../../src/llm-manager/usage/clock';
import { UsageWriter } from '../../src/llm-manager/usage/usage-writer';
import { OfflineHostResolver, type TempStore } from './temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from './upstream-yaml';

/** The fake's YAML plus a system slot `resilient` on Fake's broken model, falling back to Spare's chat. */
export function yamlWithChain(url: string): string {
  return `${upstreamYaml(url)}  resilient:
    platform: Fake
    model: broken
    fallbacks:
      - { platform: Spare, model: spare-chat }
`;
}

/** A clock tests move by hand, shared by the instances of one test. */
export class ManualClock extends Clock {
  private current = Date.parse('2026-01-05T08:00:00.000Z');
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/** Every line an instance logs, to check what a skip says (and that no key is in it). */
export class LogLines implements LoggerService {
  readonly lines: string[] = [];
  log(message: unknown): void {
    this.lines.push(String(message));
  }
  error(message: unknown): void {
    this.lines.push(String(message));
  }
  warn(message: unknown): void {
    this.lines.push(String(message));
  }
}

/** One app instance on a shared store, with the shared clock. */
export interface CooldownInstance {
  readonly moduleRef: TestingModule;
  readonly manager: LlmManagerService;
  readonly cooldowns: KeyCooldowns;
  readonly logs: LogLines;
  /** The rows of llm_key_health, as stored once every failure counted is written. */
  rows(): Promise<KeyHealthEntity[]>;
  /** Waits for the usage of every call made, then closes the app. */
  close(): Promise<void>;
}

/** Starts an instance on `store` (migrations and YAML sync run as on a host's start); no retries, system key set. */
export async function startInstance(store: TempStore, clock: ManualClock, options: LlmManagerOptions = {}): Promise<CooldownInstance> {
  const moduleRef = await Test.createTestingModule({
    imports: [LlmManagerModule.forRoot(store.options({ env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY }, maxRetries: 0, autoKey: true, ...options }))],
  })
    .overrideProvider(HostResolver)
    .useValue(new OfflineHostResolver())
    .overrideProvider(Clock)
    .useValue(clock)
    .compile();
  const logs = new LogLines();
  moduleRef.useLogger(logs);
  await moduleRef.init();
  return {
    moduleRef,
    manager: moduleRef.get(LlmManagerService),
    cooldowns: moduleRef.get(KeyCooldowns),
    logs,
    rows: async () => {
      await moduleRef.get(KeyCooldowns).idle();
      return moduleRef.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN).getRepository(KeyHealthEntity).find({ order: { platformId: 'ASC' } });
    },
    close: async () => {
      await moduleRef.get(KeyCooldowns).idle();
      await moduleRef.get(CallRecorder).drain();
      await moduleRef.get(UsageWriter).flush();
      await moduleRef.close();
    },
  };
}
