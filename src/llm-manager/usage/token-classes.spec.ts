import { readCorpus } from '../../../scripts/token-factors/corpus-manifest';
import { baseTokenCount, baseTokenDecoder, baseTokenIds } from './token-base-encoding';
import {
  CLASS_COUNT,
  classCounts,
  classifyToken,
  MAX_COUNTED_LENGTH,
  TOKEN_CLASSES,
  tokenCostSum,
  tokenCostTable,
  type TokenClass,
} from './token-classes';

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

  it('skips the ids the encoding leaves unused', () => {
    const { size, decodeOne } = baseTokenDecoder();
    expect(size).toBeGreaterThan(199_997);
    expect(decodeOne(199_998)).toBeUndefined();
    expect(decodeOne(1000)).toEqual(expect.any(String));
  });
});

describe('tokenCostSum', () => {
  const corpus = readCorpus();

  it('walks exactly the tokens gpt-tokenizer counts (cost 1 each), on every committed corpus document', () => {
    const ones = tokenCostTable(() => 1, () => 0);
    const differ = corpus.filter(({ text }) => tokenCostSum(text, ones) !== baseTokenCount(text)).map((d) => d.file);
    expect(differ).toEqual([]);
    expect(tokenCostSum('', ones)).toBe(0);
    expect(tokenCostSum('<|endoftext|> is plain text here', ones)).toBe(baseTokenCount('<|endoftext|> is plain text here'));
  });

  it('is Σ n·T + len·C over the class counts of the same tokens', () => {
    const perToken = (c: TokenClass): number => 0.5 + TOKEN_CLASSES.indexOf(c) / 10;
    const perChar = (c: TokenClass): number => TOKEN_CLASSES.indexOf(c) / 100;
    const costs = tokenCostTable(perToken, perChar);
    for (const { text } of corpus.slice(0, 30)) {
      const counts = classCounts(baseTokenIds(text));
      const expected = TOKEN_CLASSES.reduce((sum, c, i) => sum + counts[i] * perToken(c) + counts[CLASS_COUNT + i] * perChar(c), 0);
      expect(tokenCostSum(text, costs)).toBeCloseTo(expected, 6);
    }
  });
});
