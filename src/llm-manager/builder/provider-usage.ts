import type { BaseMessage } from '@langchain/core/messages';
import type { ReportedTokens } from '../usage/journal-records';

/** Tokens as the provider reported them; `cachedPrompt` is part of `prompt`, `reasoning` part of `completion`. */
export type ReportedUsage = Required<ReportedTokens>;

/** The `usage` object of an OpenAI-compatible reply, in every shape we meet (issue 15). */
interface RawUsage {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
  /** OpenAI, Kimi, Qwen: cached input, inside `prompt_tokens`. */
  prompt_tokens_details?: { cached_tokens?: unknown } | null;
  /** OpenAI, DeepSeek: reasoning output, inside `completion_tokens`. */
  completion_tokens_details?: { reasoning_tokens?: unknown } | null;
  /** DeepSeek: cache hits; `prompt_cache_hit_tokens + prompt_cache_miss_tokens = prompt_tokens`. */
  prompt_cache_hit_tokens?: unknown;
  /** Kimi (Moonshot): cached input at the top level. */
  cached_tokens?: unknown;
}

/** LangChain's own reading, for the Responses API (whose raw usage has other names). */
interface UsageMetadataLike {
  input_tokens?: number;
  output_tokens?: number;
  input_token_details?: { cache_read?: number };
  output_token_details?: { reasoning?: number };
}

/**
 * What the provider reported on `message`, or `null` when it carries no count. The raw `usage` LangChain keeps in
 * `response_metadata` is read first, because LangChain's `usage_metadata` knows only OpenAI's detail fields and
 * misses DeepSeek's `prompt_cache_hit_tokens` and Kimi's `cached_tokens` (LiteLLM #5017, #16009). Parts are clamped
 * to their whole, so a provider that reports more cached than prompt tokens can never make a negative (New API #5005).
 */
export function reportedUsageOf(message: BaseMessage): ReportedUsage | null {
  const raw = reportedUsageFromRaw((message.response_metadata as { usage?: unknown } | undefined)?.usage);
  if (raw) return raw;
  const usage = (message as { usage_metadata?: UsageMetadataLike }).usage_metadata;
  if (!usage || !(usage.input_tokens || usage.output_tokens)) return null;
  const prompt = count(usage.input_tokens);
  const completion = count(usage.output_tokens);
  return {
    prompt,
    completion,
    cachedPrompt: Math.min(count(usage.input_token_details?.cache_read), prompt),
    reasoning: Math.min(count(usage.output_token_details?.reasoning), completion),
  };
}

/** A raw OpenAI-compatible `usage` object as it came over the wire (also the gateway's), or `null` without a count. */
export function reportedUsageFromRaw(value: unknown): ReportedUsage | null {
  if (typeof value !== 'object' || value === null) return null;
  const raw = value as RawUsage;
  if (!isCount(raw.prompt_tokens) && !isCount(raw.completion_tokens)) return null;
  const prompt = count(raw.prompt_tokens);
  const completion = count(raw.completion_tokens);
  const cached = firstCount(raw.prompt_tokens_details?.cached_tokens, raw.prompt_cache_hit_tokens, raw.cached_tokens);
  return { prompt, completion, cachedPrompt: Math.min(cached, prompt), reasoning: Math.min(count(raw.completion_tokens_details?.reasoning_tokens), completion) };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

function count(value: unknown): number {
  return isCount(value) ? Math.round(value) : 0;
}

/** The first field a provider filled in; providers that send two of them send the same number. */
function firstCount(...values: unknown[]): number {
  for (const value of values) if (isCount(value)) return Math.round(value);
  return 0;
}
