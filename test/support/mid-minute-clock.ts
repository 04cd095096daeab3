import { Test, type TestingModule } from '@nestjs/testing';
import { LlmManagerModule } from '../../src/llm-manager/llm-manager.module';
import type { LlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import { HostResolver } from '../../src/llm-manager/security/url-guard';
import { Clock } from '../../src/llm-manager/usage/clock';
import { OfflineHostResolver, type TempStore } from './temp-store';

/**
 * The real clock moved so that it reads :20 of a minute when made: rate-limit windows are whole minutes, and a spec
 * that counts calls in one must not see it end under it. Time still runs.
 */
export class MidMinuteClock extends Clock {
  private readonly offset: number;

  constructor() {
    super();
    const now = Date.now();
    this.offset = 20_000 - (now % 60_000);
  }

  now(): Date {
    return new Date(Date.now() + this.offset);
  }
}

/** `store.start(options)`, on a MidMinuteClock. */
export async function startAtMidMinute(store: TempStore, options: LlmManagerOptions): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({ imports: [LlmManagerModule.forRoot(store.options(options))] })
    .overrideProvider(HostResolver)
    .useValue(new OfflineHostResolver())
    .overrideProvider(Clock)
    .useValue(new MidMinuteClock())
    .compile();
  moduleRef.useLogger(false);
  await moduleRef.init();
  return moduleRef;
}
