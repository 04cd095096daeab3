import { nextChunkRows, PURGE_CHUNK_ROWS, PURGE_CHUNK_TARGET_MS } from './usage-query.service';

describe('nextChunkRows (purge chunk sizing)', () => {
  it('keeps the size when a chunk took the target time', () => {
    expect(nextChunkRows(1_000, PURGE_CHUNK_TARGET_MS)).toBe(1_000);
  });

  it('shrinks a chunk that took too long in proportion', () => {
    expect(nextChunkRows(1_000, 4 * PURGE_CHUNK_TARGET_MS)).toBe(250);
  });

  it('at most doubles after a fast chunk, and never passes PURGE_CHUNK_ROWS', () => {
    expect(nextChunkRows(1_000, 0)).toBe(2_000);
    expect(nextChunkRows(PURGE_CHUNK_ROWS, 0)).toBe(PURGE_CHUNK_ROWS);
  });

  it('never drops below a floor, however slow the disk', () => {
    expect(nextChunkRows(100, 60_000)).toBe(50);
  });
});
