import type { UsageRow } from './usage-row';

/** A queued row and its position in arrival order, so a flush knows where "queued so far" ends. */
export interface QueuedUsageRow {
  readonly seq: number;
  readonly row: UsageRow;
}

const COMPACT_AFTER = 1024;

/**
 * FIFO of rows waiting to be written. `push` and `dropOldest` are O(1) (amortised) because they run on the LLM call
 * path; `Array.prototype.shift` is O(n) on large arrays, so the front is a moving index, compacted now and then.
 */
export class UsageRowQueue {
  private items: Array<QueuedUsageRow | undefined> = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(entry: QueuedUsageRow): void {
    this.items.push(entry);
  }

  /** The oldest entry, or `undefined` when empty. */
  peek(): QueuedUsageRow | undefined {
    return this.items[this.head];
  }

  dropOldest(): QueuedUsageRow | undefined {
    const entry = this.items[this.head];
    if (entry === undefined) return undefined;
    this.items[this.head] = undefined;
    this.head += 1;
    this.compactIfWorthIt();
    return entry;
  }

  /** Removes and returns up to `count` of the oldest entries. */
  takeOldest(count: number): QueuedUsageRow[] {
    const taken = this.items.slice(this.head, this.head + count) as QueuedUsageRow[];
    this.head += taken.length;
    this.compactIfWorthIt();
    return taken;
  }

  /** Puts entries that could not be written back in front, in their original order. */
  returnToFront(entries: readonly QueuedUsageRow[]): void {
    this.items = [...entries, ...this.items.slice(this.head)];
    this.head = 0;
  }

  private compactIfWorthIt(): void {
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}
