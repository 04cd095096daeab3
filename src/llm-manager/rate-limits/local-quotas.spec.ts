import { LocalQuotas } from './local-quotas';
import type { LimitCheck } from './rate-limit-rules';

const W = 60_000 * 1000;
const check = (limits: Partial<LimitCheck> = {}): LimitCheck => ({ key: 'u:a', scope: 'user', ruleId: null, rpm: 1000, tpm: null, concurrent: null, ...limits });
const grant = (requests: number, tokens = 0, places = 0, keep = 0) => [{ requests, tokens, places, keep }];

describe('LocalQuotas', () => {
  it('a slice serves the calls it was granted for, in its own window only', () => {
    const quotas = new LocalQuotas(500);
    const rpm = check();
    expect(quotas.take([rpm], 0, W, 0).missing).toEqual([rpm]);
    const refilling = quotas.wants([rpm], 0, 0)!;
    quotas.granted(refilling, grant(2), 'c1', W, 0);
    expect(quotas.take([rpm], 0, W, 1).missing).toEqual([]);
    expect(quotas.take([rpm], 0, W, 2).missing).toEqual([]);
    expect(quotas.take([rpm], 0, W, 3).missing).toEqual([rpm]);
    quotas.granted(quotas.wants([rpm], 0, 4)!, grant(5), 'c2', W, 4);
    // The next minute starts from nothing: what was left belongs to the window that ended.
    expect(quotas.take([rpm], 0, W + 60_000, 5).missing).toEqual([rpm]);
    expect(quotas.giveBack(10_000, W + 60_000).corrections).toEqual([]);
  });

  it('a grant that lands after its window ended brings its places, not its requests', () => {
    const quotas = new LocalQuotas(500);
    const both = check({ concurrent: 1000 });
    const refilling = quotas.wants([both], 0, 0)!;
    expect(quotas.take([both], 0, W + 60_000, 1).missing).toEqual([both]);
    quotas.granted(refilling, grant(4, 0, 2, 8), 'c1', W, 2);
    expect(quotas.freeLeases()).toEqual([{ key: 'u:a', member: 'c1:1' }, { key: 'u:a', member: 'c1:2' }]);
    expect(quotas.take([check({ rpm: 1000, concurrent: 1000 })], 0, W + 60_000, 3).missing).toHaveLength(1);
  });

  it('slices grow while refills come quickly, and start small again after a pause', () => {
    const quotas = new LocalQuotas(500);
    const rpm = check();
    const asked = (now: number): number => {
      const refilling = quotas.wants([rpm], 0, now)!;
      quotas.granted(refilling, null, 'c', W, now);
      return refilling.spares[0]!.calls;
    };
    expect([asked(0), asked(100), asked(200), asked(300), asked(400), asked(500), asked(600)]).toEqual([4, 8, 16, 32, 64, 64, 64]);
    expect(asked(5000)).toBe(4);
  });

  it('one refill at a time per counter: the calls behind it ask for themselves alone, or wait for it', async () => {
    const quotas = new LocalQuotas(500);
    const rpm = check();
    const first = quotas.wants([rpm], 0, 0)!;
    expect(quotas.wants([rpm], 0, 0)).toBeNull();
    const landed = quotas.refills([rpm])!;
    let waited = false;
    void landed.then(() => (waited = true));
    await Promise.resolve();
    expect(waited).toBe(false);
    quotas.granted(first, grant(3), 'c1', W, 1);
    await landed;
    expect(quotas.refills([rpm])).toBeNull();
    expect(quotas.take([rpm], 0, W, 2).missing).toEqual([]);
  });

  it('a changed limit retires the slices granted under the old one; they go back at once, idle or not', () => {
    const quotas = new LocalQuotas(500);
    quotas.granted(quotas.wants([check()], 0, 0)!, grant(10, 0), 'c1', W, 0);
    expect(quotas.take([check({ rpm: 12 })], 0, W, 1).missing).toHaveLength(1);
    expect(quotas.hasRetired).toBe(true);
    expect(quotas.giveBack(2, W)).toEqual({ corrections: [{ key: 'u:a', windowStart: W, requests: -10, tokens: 0 }], leases: [] });
    expect(quotas.hasRetired).toBe(false);
  });

  it('a place is kept for the next call only within what the store allows', () => {
    const quotas = new LocalQuotas(500);
    const conc = check({ rpm: null, concurrent: 1000 });
    quotas.granted(quotas.wants([conc], 0, 0)!, grant(0, 0, 1, 1), 'c1', W, 0);
    const [lease] = quotas.take([conc], 0, W, 1).leases;
    expect(quotas.keepPlace({ key: 'u:a', member: 'own' }, 2)).toBe(true);
    expect(quotas.keepPlace(lease!, 3)).toBe(false);
    // Idle long enough: the place kept goes back.
    expect(quotas.giveBack(1000, W).leases).toEqual([{ key: 'u:a', member: 'own' }]);
  });
});
