/**
 * A value read from the database in one go and kept in memory until `invalidate()` (a ConfigChanges event that may
 * have changed it), so a warm path reads it with no query. Concurrent loads share one read; a read that started
 * before an invalidation never stores what it read.
 */
export class ReloadingSnapshot<T> {
  private value: T | null = null;
  private loading: Promise<T> | null = null;
  private generation = 0;

  constructor(private readonly read: () => Promise<T>) {}

  /** The value in memory, or `null` until loaded (again). */
  get current(): T | null {
    return this.value;
  }

  load(): Promise<T> {
    if (this.loading) return this.loading;
    const generation = this.generation;
    const read = this.read()
      .then((value) => {
        if (generation === this.generation) this.value = value;
        return value;
      })
      .finally(() => {
        if (this.loading === read) this.loading = null;
      });
    this.loading = read;
    return read;
  }

  invalidate(): void {
    this.generation += 1;
    this.value = null;
    this.loading = null;
  }
}
