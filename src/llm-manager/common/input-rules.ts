import { LlmManagerError } from './llm-manager.error';

/** Field rules shared by the YAML loader, the services and (later) the DTOs, so every door says the same thing. */
export const NAME_MAX_LENGTH = 100;
export const BASE_URL_MAX_LENGTH = 500;
export const MODEL_NAME_MAX_LENGTH = 200;
export const USAGE_KEY_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const ENV_VAR_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

function invalid(field: string, message: string): LlmManagerError {
  return new LlmManagerError('VALIDATION_FAILED', `${field}: ${message}`, { details: { field } });
}

/** A trimmed, non-empty name of at most `max` characters. */
export function requireName(value: unknown, field: string, max = NAME_MAX_LENGTH): string {
  if (typeof value !== 'string' || value.trim() === '') throw invalid(field, 'must be a non-empty string.');
  const name = value.trim();
  if (name.length > max) throw invalid(field, `must be at most ${max} characters (got ${name.length}).`);
  return name;
}

/** An absolute http(s) URL without a trailing slash. */
export function requireBaseUrl(value: unknown, field = 'baseUrl'): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalid(field, 'must be an http(s) URL such as https://api.deepseek.com/v1.');
  }
  const text = value.trim().replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(field, `"${text}" is not a valid URL; use the form https://host/v1.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(field, `must use http or https, not ${url.protocol.replace(':', '')}.`);
  }
  if (text.length > BASE_URL_MAX_LENGTH) throw invalid(field, `must be at most ${BASE_URL_MAX_LENGTH} characters.`);
  return text;
}

/**
 * Request fields `extra_body` may not set: they decide which model is called, with what, and what gets recorded.
 * `{"model": "gpt-4o"}` would call another model while usage is recorded against this one; `messages`, `tools` or
 * `n` would replace or multiply what the caller sent; `stream`/`stream_options` would hide the usage the ledger reads.
 */
export const RESERVED_EXTRA_BODY_KEYS = [
  'model', 'messages', 'prompt', 'input', 'stream', 'stream_options', 'n',
  'tools', 'tool_choice', 'functions', 'function_call',
] as const;

/** The keys of an `extra_body` that it may not set, in the order written. */
export function reservedExtraBodyKeys(body: Record<string, unknown>): string[] {
  return Object.keys(body).filter((key) => (RESERVED_EXTRA_BODY_KEYS as readonly string[]).includes(key));
}

/** What to do about reserved keys, in the same words at every door (API, console, YAML, a stored row). */
export function reservedExtraBodyFix(keys: string[]): string {
  return `remove ${keys.map((k) => `"${k}"`).join(', ')} from extra_body: the caller and llm-mgr set ` +
    `${keys.length === 1 ? 'that field' : 'those fields'} on every request (reserved: ${RESERVED_EXTRA_BODY_KEYS.join(', ')}).`;
}

/** `extra_body`: a JSON object (not an array, string or number) without reserved keys, or null for none. */
export function requireExtraBody(value: unknown, field = 'extraBody'): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalid(field, 'must be a JSON object such as {"enable_thinking": false}.');
  }
  const reserved = reservedExtraBodyKeys(value as Record<string, unknown>);
  if (reserved.length > 0) throw invalid(field, `may not set ${reserved.join(', ')}: ${reservedExtraBodyFix(reserved)}`);
  return value as Record<string, unknown>;
}

/** A price in USD per 1M tokens: a finite number ≥ 0, or null when unknown. */
export function requirePrice(value: unknown, field: string): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw invalid(field, 'must be a number ≥ 0 (USD per 1M tokens) or null.');
  }
  return value;
}

export function requireUsageKey(value: unknown, field = 'usageKey'): string {
  if (typeof value !== 'string' || !USAGE_KEY_PATTERN.test(value)) {
    throw invalid(field, 'must be 1–64 characters of letters, digits, "_", "." or "-", e.g. "fast".');
  }
  return value;
}

export function requireEnvVarName(value: unknown, field = 'apiKeyEnv'): string {
  if (typeof value !== 'string' || !ENV_VAR_PATTERN.test(value)) {
    throw invalid(field, 'must be an environment variable name such as DEEPSEEK_API_KEY.');
  }
  return value;
}
