import { LlmManagerError } from '../common/llm-manager.error';
import { DEFAULT_USAGE_WRITER_OPTIONS, resolveUsageWriterOptions } from './usage-writer.options';

describe('resolveUsageWriterOptions', () => {
  it('fills the defaults', () => {
    expect(resolveUsageWriterOptions({ batchSize: 50 })).toEqual({ ...DEFAULT_USAGE_WRITER_OPTIONS, batchSize: 50 });
    expect(DEFAULT_USAGE_WRITER_OPTIONS).toEqual({
      batchSize: 500,
      flushIntervalMs: 1000,
      maxQueue: 100_000,
      retryBaseMs: 500,
      retryMaxMs: 30_000,
    });
  });

  it.each([{ batchSize: 0 }, { flushIntervalMs: 1.5 }, { retryMaxMs: Number.NaN }, { batchSize: 10, maxQueue: 5 }])(
    'rejects %p with CONFIG_INVALID',
    (options) => {
      expect(() => resolveUsageWriterOptions(options)).toThrow(LlmManagerError);
    },
  );
});
