import type { ChatScript } from './fake-upstream.types';

/** Model ids listed by `GET /v1/models` unless the test chooses others. */
export const DEFAULT_FAKE_MODELS: readonly string[] = ['fake-chat', 'fake-reasoning', 'fake-tools'];

export const FAKE_REASONING_TEXT = 'Let me think this through step by step.';

interface NameRule {
  pattern: RegExp;
  toScript(match: RegExpMatchArray): ChatScript;
}

// Each rule matches a whole `-`-separated segment, so rules compose: `fake-reasoning-slow-200-no-usage`.
const segment = (body: string): RegExp => new RegExp(`(?:^|-)${body}(?:-|$)`);

const NAME_RULES: readonly NameRule[] = [
  { pattern: segment('error-(\\d{3})'), toScript: (m) => ({ error: { status: Number(m[1]) } }) },
  { pattern: segment('slow-(\\d+)'), toScript: (m) => ({ firstByteDelayMs: Number(m[1]) }) },
  { pattern: segment('drip-(\\d+)'), toScript: (m) => ({ chunkDelayMs: Number(m[1]) }) },
  { pattern: segment('disconnect-(\\d+)'), toScript: (m) => ({ disconnectAfterChunks: Number(m[1]) }) },
  { pattern: segment('no-usage'), toScript: () => ({ usage: 'none' }) },
  { pattern: segment('cumulative-usage'), toScript: () => ({ streamUsage: 'cumulative' }) },
  { pattern: segment('finish-usage'), toScript: () => ({ streamUsage: 'with-finish' }) },
  { pattern: segment('choice-usage'), toScript: () => ({ streamUsage: 'in-choice' }) },
  { pattern: segment('thinking-tools'), toScript: () => ({ reasoning: FAKE_REASONING_TEXT, requireReasoningBack: true }) },
  { pattern: segment('reasoning'), toScript: () => ({ reasoning: FAKE_REASONING_TEXT }) },
  { pattern: segment('no-tools'), toScript: () => ({ toolCall: false }) },
];

/**
 * The behaviour a `fake-…` model name selects. Names without the `fake-` prefix select nothing, so a test can use
 * realistic ids (`gpt-4o`, `deepseek-chat`) and get the default behaviour.
 */
export function scriptFromModelName(model: string): ChatScript {
  if (!model.startsWith('fake-')) return {};
  let script: ChatScript = {};
  for (const rule of NAME_RULES) {
    const match = model.match(rule.pattern);
    if (match) script = { ...script, ...rule.toScript(match) };
  }
  return script;
}
