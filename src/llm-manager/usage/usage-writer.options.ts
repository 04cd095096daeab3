import { LlmManagerError } from '../common/llm-manager.error';

/** How `UsageWriter` batches rows and rides out database outages. */
export interface UsageWriterOptions {
  /** Rows per write; a queue this long is written at once. Default: `500`. */
  batchSize: number;
  /** Longest a row waits before it is written when the queue stays short. Default: `1000`. */
  flushIntervalMs: number;
  /**
   * Rows kept while the database refuses writes. Past it the OLDEST rows are dropped (usage is lost, memory is not
   * exhausted) and every drop is counted in an error log. Default: `100_000` (roughly 30 MB).
   */
  maxQueue: number;
  /** First wait before retrying a failed write; doubles on every failure in a row. Default: `500`. */
  retryBaseMs: number;
  /** Longest wait between retries. Default: `30_000`. */
  retryMaxMs: number;
}

/** Injection token of the writer's options. */
export const USAGE_WRITER_OPTIONS = Symbol('USAGE_WRITER_OPTIONS');

/** The defaults, also what `UsageModule` provides. */
export const DEFAULT_USAGE_WRITER_OPTIONS: Readonly<UsageWriterOptions> = Object.freeze({
  batchSize: 500,
  flushIntervalMs: 1000,
  maxQueue: 100_000,
  retryBaseMs: 500,
  retryMaxMs: 30_000,
});

/** Merges `options` over the defaults and rejects values the writer cannot work with. */
export function resolveUsageWriterOptions(options: Partial<UsageWriterOptions> = {}): UsageWriterOptions {
  const resolved: UsageWriterOptions = { ...DEFAULT_USAGE_WRITER_OPTIONS, ...options };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new LlmManagerError(
        'CONFIG_INVALID',
        `Usage writer option ${name}=${String(value)} must be a positive integer.`,
      );
    }
  }
  if (resolved.maxQueue < resolved.batchSize) {
    throw new LlmManagerError(
      'CONFIG_INVALID',
      `Usage writer option maxQueue (${resolved.maxQueue}) must be at least batchSize (${resolved.batchSize}).`,
    );
  }
  return resolved;
}
