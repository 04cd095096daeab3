import { LlmManagerError } from './llm-manager.error';

/**
 * How deep a request body, query or parameter may nest. `extraBody` is the only free-form JSON we take, and real ones
 * are a few levels deep; class-transformer and class-validator recurse once per level and overflow the stack at a few
 * thousand, so a deeper value is refused before they see it.
 */
export const MAX_INPUT_DEPTH = 32;

/** A lone UTF-16 surrogate: with the `u` flag a well-formed pair is one code point and does not match. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** True when `text` is well-formed UTF-16, i.e. can be stored and sent as UTF-8 without loss. */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/**
 * Refuses input no rule further down can handle safely: nesting deeper than `MAX_INPUT_DEPTH`, and strings (values
 * or keys) holding an unpaired surrogate, which every engine stores as something else than what was sent (`a\ud800`
 * and `a\ud801` both become `a?`), so lookups miss and unique names collide later. Walks without recursion, so the
 * check itself cannot overflow the stack. `root` names the input in messages (`body`, `query`, a parameter name).
 * @throws LlmManagerError `VALIDATION_FAILED` naming the field.
 */
export function assertWellShapedInput(value: unknown, root: string): void {
  const pending: Array<{ value: unknown; path: string; depth: number }> = [{ value, path: root, depth: 0 }];
  while (pending.length > 0) {
    const item = pending.pop()!;
    if (typeof item.value === 'string') {
      if (!isWellFormedText(item.value)) throw illFormed(item.path);
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
      if (!isWellFormedText(key)) throw illFormed(`${item.path} (a key)`);
      pending.push({ value: child, path, depth: item.depth + 1 });
    }
  }
}

/** `field` never holds the surrogate itself: keys are checked before they become part of a path. */
function illFormed(field: string): LlmManagerError {
  return new LlmManagerError(
    'VALIDATION_FAILED',
    `${field}: holds an unpaired UTF-16 surrogate (e.g. "\\ud800" without its pair), which cannot be stored as text. ` +
      'Send well-formed Unicode: escape characters outside the BMP as a surrogate pair, or send them as UTF-8.',
    { details: { field } },
  );
}
