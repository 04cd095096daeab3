import { assertWellShapedInput, MAX_INPUT_DEPTH, unstorableText } from './input-shape';
import { LlmManagerError } from './llm-manager.error';

function nested(levels: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i += 1) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

function refusal(value: unknown): LlmManagerError | undefined {
  try {
    assertWellShapedInput(value, 'body');
  } catch (error: unknown) {
    if (error instanceof LlmManagerError) return error;
    throw error;
  }
  return undefined;
}

describe('assertWellShapedInput', () => {
  it(`takes ${MAX_INPUT_DEPTH} levels of objects and arrays, refuses one more, and does not recurse itself`, () => {
    expect(refusal(nested(MAX_INPUT_DEPTH))).toBeUndefined();
    expect(refusal(nested(MAX_INPUT_DEPTH + 1))).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'body' } });
    expect(refusal(nested(200_000))?.message).toContain(`nested more than ${MAX_INPUT_DEPTH} levels`);
  });

  it('names the field that holds a lone surrogate or NUL, in a value or a key', () => {
    expect(refusal({ models: [{ modelName: 'a\ud800' }] })?.details).toEqual({ field: 'body.models[0].modelName' });
    expect(refusal({ extraBody: { ['\udfffk']: 1 } })?.details).toEqual({ field: 'body.extraBody (a key)' });
    expect(refusal({ name: 'a\u0000b' })?.message).toContain('NUL');
  });

  it('takes well-formed text, surrogate pairs included, and leaves other values alone', () => {
    expect(refusal({ name: 'Emoji 😀 通义', n: 1, b: true, z: null, list: [1, 'x'] })).toBeUndefined();
    expect(refusal(undefined)).toBeUndefined();
    expect(unstorableText('\ud83d\ude00')).toBeNull();
    expect(unstorableText('\ude00\ud83d')).toContain('unpaired');
  });
});
