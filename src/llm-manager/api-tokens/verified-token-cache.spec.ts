import { VerifiedTokenCache } from './verified-token-cache';

describe('VerifiedTokenCache', () => {
  const alice = { id: 1, userId: 'alice', lastUsedAt: null, expiresAt: null, allowedModels: null, allowedIps: null };

  it('forgets entries after the TTL', () => {
    const cache = new VerifiedTokenCache(100, 10);
    cache.put('h1', alice, 0, cache.epoch);
    expect(cache.get('h1', 99)).toBe(alice);
    expect(cache.get('h1', 100)).toBeUndefined();
  });

  it('does not cache a lookup that started before a revocation', () => {
    const cache = new VerifiedTokenCache(100, 10);
    const epoch = cache.epoch;
    cache.revoke(1);
    cache.put('h1', alice, 0, epoch);
    expect(cache.get('h1', 1)).toBeUndefined();
  });

  it('drops the revoked id only, and the oldest entry when full', () => {
    const cache = new VerifiedTokenCache(100, 2);
    cache.put('h1', alice, 0, cache.epoch);
    cache.put('h2', { ...alice, id: 2 }, 0, cache.epoch);
    cache.revoke(1);
    expect(cache.get('h1', 1)).toBeUndefined();
    expect(cache.get('h2', 1)?.id).toBe(2);
    cache.put('h3', { ...alice, id: 3 }, 0, cache.epoch);
    cache.put('h4', { ...alice, id: 4 }, 0, cache.epoch);
    expect(cache.get('h2', 1)).toBeUndefined();
    expect(cache.get('h4', 1)?.id).toBe(4);
  });
});
