import { resolveOptions } from '../llm-manager.options';
import { Clock } from '../usage/clock';
import type { CooldownPolicy, CooldownStore, KeyFailure, KeyHealthState, KeyRef } from './cooldown-store';
import { KeyCooldowns, type CoolingCandidate } from './key-cooldowns';

class ManualClock extends Clock {
  ms = 1_000_000;
  now(): Date {
    return new Date(this.ms);
  }
}

/** A store in memory: what a Redis store would be to KeyCooldowns, with a switch to make it fail. */
class MemoryStore implements CooldownStore {
  readonly states = new Map<string, KeyHealthState>();
  reads = 0;
  broken = false;

  async recordFailure(ref: KeyRef, failure: KeyFailure, policy: CooldownPolicy): Promise<KeyHealthState> {
    if (this.broken) throw new Error('store down');
    const state = { ...ref, failures: 0, coolingUntilMs: failure.nowMs + policy.cooldownMs, reason: failure.reason };
    this.states.set(`${ref.platformId}/${ref.keyId}`, state);
    return state;
  }

  async recordSuccess(ref: KeyRef): Promise<void> {
    this.states.delete(`${ref.platformId}/${ref.keyId}`);
  }

  async readAll(): Promise<KeyHealthState[]> {
    this.reads += 1;
    if (this.broken) throw new Error('store down');
    return [...this.states.values()];
  }
}

function setUp(): { clock: ManualClock; store: MemoryStore; cooldowns: KeyCooldowns } {
  const clock = new ManualClock();
  const store = new MemoryStore();
  const options = resolveOptions({ cooldown: { allowedFails: 1, cooldownMs: 10_000 } }, {});
  const cooldowns = new KeyCooldowns(store, options, clock);
  (cooldowns as unknown as { logger: { warn(): void } }).logger = { warn: () => undefined };
  return { clock, store, cooldowns };
}

const model = (platformId: number): CoolingCandidate => ({ platformId, keyId: `k${platformId}`, platformName: `P${platformId}`, modelName: 'm' });

describe('KeyCooldowns', () => {
  it('keeps the chain order without the cooling ones; all cooling: the one ending first', async () => {
    const { clock, cooldowns } = setUp();
    const chain = [model(1), model(2), model(3)];
    await cooldowns.recordFailure(model(2), 'UPSTREAM_ERROR 500', 0);
    expect(await cooldowns.inTurn(chain, (c) => c)).toEqual([model(1), model(3)]);
    clock.ms += 1_000;
    await cooldowns.recordFailure(model(1), 'UPSTREAM_ERROR 500', 0);
    clock.ms += 1_000;
    await cooldowns.recordFailure(model(3), 'UPSTREAM_ERROR 500', 0);
    expect(await cooldowns.inTurn(chain, (c) => c)).toEqual([model(2)]);
    clock.ms += 10_000;
    expect(await cooldowns.inTurn(chain, (c) => c)).toEqual(chain);
  });

  it('reads the shared state at most every readCacheMs; a store that fails leaves the last snapshot and fails nothing', async () => {
    const { clock, store, cooldowns } = setUp();
    await cooldowns.inTurn([model(1)], (c) => c);
    await cooldowns.inTurn([model(1)], (c) => c);
    expect(store.reads).toBe(1);

    // Another instance's failure: seen once the snapshot is a second old.
    store.states.set('1/k1', { platformId: 1, keyId: 'k1', failures: 0, coolingUntilMs: clock.ms + 5_000, reason: 'UPSTREAM_TIMEOUT' });
    expect(await cooldowns.coolingUntil(model(1))).toBeNull();
    clock.ms += 1_000;
    expect(await cooldowns.coolingUntil(model(1))).toEqual(new Date(clock.ms + 4_000));
    expect(store.reads).toBe(2);

    store.broken = true;
    clock.ms += 1_000;
    await expect(cooldowns.recordFailure(model(2), 'UPSTREAM_ERROR 502', 0)).resolves.toBeUndefined();
    expect(await cooldowns.inTurn([model(1), model(2)], (c) => c)).toEqual([model(2)]);
    expect(store.reads).toBe(3);
  });

  it('cooldown: false reads and writes nothing', async () => {
    const store = new MemoryStore();
    const cooldowns = new KeyCooldowns(store, resolveOptions({ cooldown: false }, {}), new ManualClock());
    await cooldowns.recordFailure(model(1), 'UPSTREAM_ERROR 500', 0);
    expect(await cooldowns.inTurn([model(1), model(2)], (c) => c)).toEqual([model(1), model(2)]);
    expect([store.reads, store.states.size]).toEqual([0, 0]);
  });
});
