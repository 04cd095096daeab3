import { CJK_RANGES, cjkRatio, isCjkCodePoint } from './token-cjk';

describe('cjkRatio', () => {
  it.each<[string, string, number]>([
    ['empty text', '', 0],
    ['whitespace only, ideographic space included', ' \n\t\u3000\u00a0', 0],
    ['ASCII only', 'const answer = 42;', 0],
    ['Han only', '你好世界', 1],
    ['whitespace is not counted', '你 好\n世\u3000界', 1],
    ['half Han, half Latin', '你好 ab', 0.5],
    ['CJK punctuation and fullwidth forms count', '，。！？（）「」', 1],
    ['kana', 'ひらがなカタカナ', 1],
    ['halfwidth katakana', 'ｶﾀｶﾅ', 1],
    ['hangul', '한국어', 1],
    ['general punctuation is shared with English, so not CJK', '“…”—', 0],
    ['an astral ideograph is one code point', '𠀀a', 0.5],
    ['emoji are not CJK', '😀你', 0.5],
    ['a lone surrogate is a non-CJK character', '\ud800你', 0.5],
  ])('%s', (_name, text, expected) => {
    expect(cjkRatio(text)).toBeCloseTo(expected, 10);
  });

  it('is the share of CJK among non-whitespace code points', () => {
    const text = 'NestJS 模块 forRoot() 返回 DynamicModule。';
    const nonSpace = [...text].filter((c) => !/\s/u.test(c));
    const cjk = nonSpace.filter((c) => /[\p{Script=Han}，。]/u.test(c));
    expect(cjkRatio(text)).toBeCloseTo(cjk.length / nonSpace.length, 10);
  });
  it('matches a per-code-point reference on random mixed text (table scan, fast path, surrogates)', () => {
    const reference = (text: string): number => {
      const points = [...text].filter((c) => !/\s/.test(c));
      const cjk = points.filter((c) => isCjkCodePoint(c.codePointAt(0)!));
      return points.length === 0 ? 0 : cjk.length / points.length;
    };
    // Units around every class edge: whitespace, range bounds, surrogates (paired and lone), ASCII.
    const units = [0x20, 0x0a, 0x3000, 0xa0, 0x2000, 0x200a, 0x200b, 0x41, 0x10ff, 0x1100, 0x11ff, 0x3001, 0x4dbf,
      0x4dc0, 0x4e00, 0x9fff, 0xa000, 0xffef, 0xfff0, 0xd840, 0xdc00, 0xd83d, 0xde00, 0xdbff, 0xdfff];
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648);
    for (let n = 0; n < 500; n++) {
      const length = next() % 40;
      const text = String.fromCharCode(...Array.from({ length }, () => units[next() % units.length]));
      expect(cjkRatio(text)).toBeCloseTo(reference(text), 12);
    }
  });
});

describe('isCjkCodePoint', () => {
  it.each<[number, boolean]>([
    [0x4e00, true],
    [0x9fff, true],
    [0x4dc0, false], // Yijing hexagram symbols sit between Extension A and the main block
    [0x3000, false], // ideographic space is whitespace, handled before this check
    [0x3001, true],
    [0xac00, true],
    [0x20000, true],
    [0x1f600, false],
    [0x41, false],
  ])('U+%s', (codePoint, expected) => {
    expect(isCjkCodePoint(codePoint)).toBe(expected);
  });

  it('relies on sorted, disjoint ranges for its early exit', () => {
    for (let i = 1; i < CJK_RANGES.length; i++) {
      expect(CJK_RANGES[i][0]).toBeGreaterThan(CJK_RANGES[i - 1][1]);
    }
  });
});
