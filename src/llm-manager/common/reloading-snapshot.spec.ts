import { ReloadingSnapshot } from './reloading-snapshot';

describe('ReloadingSnapshot', () => {
  it('concurrent loads share one read; the value stays in memory until invalidated', async () => {
    let reads = 0;
    const snapshot = new ReloadingSnapshot(async () => ++reads);
    expect(snapshot.current).toBeNull();
    expect(await Promise.all([snapshot.load(), snapshot.load()])).toEqual([1, 1]);
    expect(snapshot.current).toBe(1);
    snapshot.invalidate();
    expect(snapshot.current).toBeNull();
    expect(await snapshot.load()).toBe(2);
  });

  it('a read that started before an invalidation never stores what it read', async () => {
    let finish: (value: string) => void = () => undefined;
    const snapshot = new ReloadingSnapshot(() => new Promise<string>((resolve) => (finish = resolve)));
    const stale = snapshot.load();
    snapshot.invalidate();
    finish('before the change');
    expect(await stale).toBe('before the change');
    expect(snapshot.current).toBeNull();
  });
});
