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

/**
 * For a spec on the real clock (a whole app it does not build): resolves at once unless the minute ends within
 * `marginMs`, else once the next minute has begun, so a few calls counted in one window see it through.
 */
export async function awayFromMinuteEnd(marginMs = 5_000): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left <= marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}
