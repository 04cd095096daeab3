import type { TestingModule } from '@nestjs/testing';
import type { LlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import { Clock } from '../../src/llm-manager/usage/clock';
import type { TempStore } from './temp-store';

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
export function startAtMidMinute(store: TempStore, options: LlmManagerOptions): Promise<TestingModule> {
  return store.start(options, [], new MidMinuteClock());
}
