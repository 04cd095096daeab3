import { baseTokenDecoder, baseTokenIds } from './token-base-encoding';
import { CLASS_COUNT, classCounts, classifyToken, MAX_COUNTED_LENGTH, TOKEN_CLASSES, type TokenClass } from './token-classes';

describe('classifyToken', () => {
  it.each<[string, TokenClass]>([
    ['中', 'han1'],
    [' 的', 'han1'],
    ['中国', 'hanN'],
    ['，', 'cjkPunct'],
    ['」。', 'cjkPunct'],
    ['です', 'cjkOther'],
    ['한국', 'cjkOther'],
    ['\ufffd', 'bytes'],
    ['é', 'nonAscii'],
    [' Ω', 'nonAscii'],
    ['    ', 'space'],
    ['\t', 'space'],
    ['\n', 'newline'],
    ['  \n\n', 'newline'],
    ['123', 'digits'],
    [' 42', 'digits'],
    [' the', 'word'],
    ['ing', 'wordPiece'],
    ['eB', 'wordPiece'],
    [' The', 'capitalized'],
    ['Config', 'capitalized'],
    [' HTTP', 'upper'],
    ['GL', 'upper'],
    ['();', 'punct'],
    [' =>', 'punct'],
    ['.\n', 'punctNewline'],
    ['});\n\n', 'punctNewline'],
    ['_id', 'asciiMixed'],
    ['.js', 'asciiMixed'],
    ['0x', 'asciiMixed'],
  ])('%j is %s', (text, expected) => {
    expect(classifyToken(text)).toBe(expected);
  });
});

describe('classCounts', () => {
  it('counts every token once and the characters of its text, up to MAX_COUNTED_LENGTH per token', () => {
    const text = 'The 3 quick 狐狸 jumped over 12,345 lazy dogs.\n\tconst x = 42; // 中文注释，好的。\n' + '='.repeat(80);
    const ids = baseTokenIds(text);
    const counts = classCounts(ids);
    expect(counts.length).toBe(2 * CLASS_COUNT);
    expect(counts.slice(0, CLASS_COUNT).reduce((s, n) => s + n, 0)).toBe(ids.length);
    const { decodeOne } = baseTokenDecoder();
    const chars = ids.reduce((s, id) => s + Math.min(MAX_COUNTED_LENGTH, (decodeOne(id) ?? '').length), 0);
    expect(ids.some((id) => (decodeOne(id) ?? '').length > MAX_COUNTED_LENGTH)).toBe(true);
    expect(counts.slice(CLASS_COUNT).reduce((s, n) => s + n, 0)).toBe(chars);
  });

  it('puts each token in the class its own text gives', () => {
    const ids = baseTokenIds('Hello, 世界! 2024\n');
    const counts = classCounts(ids);
    const expected = new Float64Array(CLASS_COUNT);
    const { decodeOne } = baseTokenDecoder();
    for (const id of ids) expected[TOKEN_CLASSES.indexOf(classifyToken(decodeOne(id) ?? ''))]++;
    expect(Array.from(counts.slice(0, CLASS_COUNT))).toEqual(Array.from(expected));
  });

  it('adds into a given array, so slices of a text sum to the whole', () => {
    const a = baseTokenIds('first part of the text ');
    const b = baseTokenIds('第二部分');
    const summed = classCounts(b, Float64Array.from(classCounts(a)));
    expect(Array.from(summed)).toEqual(Array.from(classCounts([...a, ...b])));
  });

  it('skips the ids the encoding leaves unused', () => {
    const { size, decodeOne } = baseTokenDecoder();
    expect(size).toBeGreaterThan(199_997);
    expect(decodeOne(199_998)).toBeUndefined();
    expect(decodeOne(1000)).toEqual(expect.any(String));
  });
});
