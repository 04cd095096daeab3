import type { UsageRow } from './usage-row';
import { UsageRowQueue, type QueuedUsageRow } from './usage-row-queue';

const entry = (seq: number): QueuedUsageRow => ({ seq, row: { userId: `u${seq}` } as UsageRow });
const seqs = (entries: readonly QueuedUsageRow[]): number[] => entries.map((e) => e.seq);

describe('UsageRowQueue', () => {
  it('hands rows out oldest first and takes a failed batch back in front, in order', () => {
    const queue = new UsageRowQueue();
    [0, 1, 2, 3, 4].forEach((i) => queue.push(entry(i)));
    const batch = queue.takeOldest(3);
    queue.push(entry(5));
    queue.returnToFront(batch);

    expect(queue.length).toBe(6);
    expect(seqs(queue.takeOldest(10))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(queue.peek()).toBeUndefined();
  });

  it('drops the oldest and stays correct across compactions of a long queue', () => {
    const queue = new UsageRowQueue();
    for (let i = 0; i < 5000; i += 1) {
      queue.push(entry(i));
      if (queue.length > 100) queue.dropOldest();
    }
    expect(queue.length).toBe(100);
    expect(queue.peek()?.seq).toBe(4900);
    expect(seqs(queue.takeOldest(100))).toEqual(Array.from({ length: 100 }, (_, i) => 4900 + i));
    expect(queue.dropOldest()).toBeUndefined();
  });
});
