import type { ChatGenerationChunk } from '@langchain/core/outputs';
import type { CoolingCandidate, KeyCooldowns } from '../cooldowns/key-cooldowns';
import { fallsBack } from './fallback-chain';
import { UpstreamCallError } from './upstream-call-error';

/**
 * What one model of a chain tells cooldowns (issue 18): each attempt's failure that another model could answer counts
 * against its platform + key, a success clears them. Other failures (a rejected key, a 4xx, an abort) say nothing
 * about the upstream's health.
 */
export class ModelHealth {
  constructor(
    private readonly cooldowns: KeyCooldowns,
    readonly candidate: CoolingCandidate,
  ) {}

  /** `models` in the order a call tries them: those cooling down left out (see KeyCooldowns.inTurn). */
  static inTurn<T extends { health: ModelHealth }>(models: readonly T[]): Promise<T[]> {
    const first = models[0];
    return first ? first.health.cooldowns.inTurn(models, (model) => model.health.candidate) : Promise.resolve([]);
  }

  async observe<T>(attempt: Promise<T>): Promise<T> {
    try {
      const result = await attempt;
      await this.cooldowns.recordSuccess(this.candidate);
      return result;
    } catch (error) {
      await this.failed(error);
      throw error;
    }
  }

  async *observeStream(attempt: AsyncGenerator<ChatGenerationChunk>): AsyncGenerator<ChatGenerationChunk> {
    try {
      yield* attempt;
    } catch (error) {
      await this.failed(error);
      throw error;
    }
    await this.cooldowns.recordSuccess(this.candidate);
  }

  /** A call through this key answered (the gateway's attempts report here when the upstream answered 2xx). */
  succeeded(): Promise<void> {
    return this.cooldowns.recordSuccess(this.candidate);
  }

  /** A failed attempt: counted toward the key's cooldown when it is one a fallback takes (429, 5xx, timeout, unreachable). */
  async failed(error: unknown): Promise<void> {
    if (!fallsBack(error)) return;
    const { code, status, retryAfterSeconds } = error as UpstreamCallError;
    await this.cooldowns.recordFailure(this.candidate, status === undefined ? code : `${code} ${status}`, (retryAfterSeconds ?? 0) * 1000);
  }
}
