import { LlmManagerError } from './llm-manager.error';

/**
 * How deep a request body, query or parameter may nest. `extraBody` is the only free-form JSON we take, and real ones
 * are a few levels deep; class-transformer and class-validator recurse once per level and overflow the stack at a few
 * thousand, so a deeper value is refused before they see it.
 */
export const MAX_INPUT_DEPTH = 32;

/** A lone UTF-16 surrogate: with the `u` flag a well-formed pair is one code point and does not match. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Why `text` cannot be stored as sent, or null when it can: an unpaired surrogate has no UTF-8 form (every engine
 * stores something else), and PostgreSQL refuses NUL in text outright.
 */
export function unstorableText(text: string): string | null {
  if (LONE_SURROGATE.test(text)) return 'holds an unpaired UTF-16 surrogate (e.g. "\\ud800" without its pair), which has no UTF-8 form';
  if (text.includes('\u0000')) return 'holds a NUL character (\\u0000), which databases do not store in text';
  return null;
}

/**
 * Refuses input no rule further down can handle safely: nesting deeper than `MAX_INPUT_DEPTH`, and strings (values
 * or keys) a database cannot store as sent (`unstorableText`): `a\ud800` and `a\ud801` both became `a?`, so lookups
 * missed and unique names collided later; NUL made PostgreSQL fail the query (500). Walks without recursion, so the
 * check itself cannot overflow the stack. `root` names the input in messages (`body`, `query`, a parameter name).
 * @throws LlmManagerError `VALIDATION_FAILED` naming the field.
 */
export function assertWellShapedInput(value: unknown, root: string): void {
  const pending: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: root, depth: 0 }];
  while (pending.length > 0) {
    const item = pending.pop()!;
    if (typeof item.value === 'string') {
      const problem = unstorableText(item.value);
      if (problem !== null) throw unstorable(item.path, problem);
      continue;
    }
    if (typeof item.value !== 'object' || item.value === null) continue;
    if (item.depth >= MAX_INPUT_DEPTH) {
      throw new LlmManagerError(
        'VALIDATION_FAILED',
        `${root}: nested more than ${MAX_INPUT_DEPTH} levels deep. Send flatter JSON (extraBody rarely needs more than a few levels).`,
        { details: { field: root, maxDepth: MAX_INPUT_DEPTH } },
      );
    }
    const entries = Array.isArray(item.value) ? item.value.map((v, i) => [String(i), v] as const) : Object.entries(item.value);
    for (const [key, child] of entries) {
      const path = Array.isArray(item.value) ? `${item.path}[${key}]` : `${item.path}.${key}`;
      const problem = unstorableText(key);
      if (problem !== null) throw unstorable(`${item.path} (a key)`, problem);
      pending.push({ value: child, path, depth: item.depth + 1 });
    }
  }
}

/** `field` never holds the text itself: keys are checked before they become part of a path. */
function unstorable(field: string, problem: string): LlmManagerError {
  return new LlmManagerError(
    'VALIDATION_FAILED',
    `${field}: ${problem}. Send well-formed Unicode text without NUL (a character outside the BMP as a surrogate pair, or as UTF-8).`,
    { details: { field } },
  );
}
