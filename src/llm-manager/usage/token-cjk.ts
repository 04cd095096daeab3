/**
 * Code point ranges counted as CJK by {@link cjkRatio}: Han ideographs, kana, hangul, bopomofo and the
 * punctuation/fullwidth blocks that only occur in CJK text. General Punctuation (“ ” … —) is deliberately absent:
 * English uses it too, so it says nothing about the script of the text.
 */
export const CJK_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x11ff], // Hangul Jamo
  [0x2e80, 0x2fdf], // CJK Radicals Supplement, Kangxi Radicals
  [0x2ff0, 0x2fff], // Ideographic Description Characters
  [0x3001, 0x303f], // CJK Symbols and Punctuation (U+3000 ideographic space is whitespace)
  [0x3040, 0x30ff], // Hiragana, Katakana
  [0x3100, 0x312f], // Bopomofo
  [0x3130, 0x318f], // Hangul Compatibility Jamo
  [0x3190, 0x31ff], // Kanbun, Bopomofo Extended, CJK Strokes, Katakana Phonetic Extensions
  [0x3200, 0x33ff], // Enclosed CJK Letters and Months, CJK Compatibility
  [0x3400, 0x4dbf], // CJK Unified Ideographs Extension A
  [0x4e00, 0x9fff], // CJK Unified Ideographs
  [0xa960, 0xa97f], // Hangul Jamo Extended-A
  [0xac00, 0xd7ff], // Hangul Syllables, Hangul Jamo Extended-B
  [0xf900, 0xfaff], // CJK Compatibility Ideographs
  [0xfe10, 0xfe1f], // Vertical Forms
  [0xfe30, 0xfe4f], // CJK Compatibility Forms
  [0xff00, 0xffef], // Halfwidth and Fullwidth Forms (，！？（）：； and halfwidth katakana)
  [0x1b000, 0x1b16f], // Kana Supplement, Kana Extended-A, Small Kana Extension
  [0x20000, 0x2ebef], // CJK Unified Ideographs Extensions B–F
  [0x2f800, 0x2fa1f], // CJK Compatibility Ideographs Supplement
  [0x30000, 0x323af], // CJK Unified Ideographs Extensions G–H
];

/** True when the code point lies in one of {@link CJK_RANGES}. */
export function isCjkCodePoint(codePoint: number): boolean {
  if (codePoint < 0x1100) return false;
  for (const [low, high] of CJK_RANGES) {
    if (codePoint < low) return false;
    if (codePoint <= high) return true;
  }
  return false;
}

/** The code points JavaScript's `\s` matches. */
function isWhitespace(code: number): boolean {
  switch (code) {
    case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d: case 0x20: case 0xa0: case 0x1680:
    case 0x2028: case 0x2029: case 0x202f: case 0x205f: case 0x3000: case 0xfeff:
      return true;
    default:
      return code >= 0x2000 && code <= 0x200a;
  }
}

const OTHER = 0;
const WHITESPACE = 1;
const CJK = 2;
const HIGH_SURROGATE = 3;

/**
 * The class of every UTF-16 code unit, so the scan below is one array read per character: a range search per
 * character made `cjkRatio` cost a fifth of the tokenizer's time on a 4k-token prompt (bench P4). 64 KB, built once.
 */
const UNIT_CLASS = ((): Uint8Array => {
  const table = new Uint8Array(0x10000);
  for (let code = 0; code < 0x10000; code++) {
    if (isWhitespace(code)) table[code] = WHITESPACE;
    else if (code >= 0xd800 && code <= 0xdbff) table[code] = HIGH_SURROGATE;
    else if (isCjkCodePoint(code)) table[code] = CJK;
  }
  return table;
})();

/** Every CJK range starts at U+1100 or later: a text without such a code unit has no CJK at all. */
const MAY_HOLD_CJK = /[\u1100-\uffff]/;

/**
 * Share of CJK characters in a text: the number of code points in {@link CJK_RANGES} divided by the number of
 * non-whitespace code points (a surrogate pair is one code point). Returns 0 for empty or all-whitespace text.
 * The estimator no longer scales by it (its token classes tell CJK apart); the fit (scripts/token-factors/fit.ts)
 * still uses it to report how the seed's two-factor formula would do, beside the class factors.
 */
export function cjkRatio(text: string): number {
  // Most prompts are Latin text and code: one native scan settles them.
  if (!MAY_HOLD_CJK.test(text)) return 0;
  let cjk = 0;
  let counted = 0;
  for (let i = 0; i < text.length; i++) {
    const unitClass = UNIT_CLASS[text.charCodeAt(i)];
    if (unitClass === WHITESPACE) continue;
    counted++;
    if (unitClass === CJK) {
      cjk++;
    } else if (unitClass === HIGH_SURROGATE && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        if (isCjkCodePoint(0x10000 + ((text.charCodeAt(i) - 0xd800) << 10) + (low - 0xdc00))) cjk++;
        i++;
      }
    }
  }
  return counted === 0 ? 0 : cjk / counted;
}
