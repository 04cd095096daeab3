import { isCjkCodePoint } from './token-cjk';
import { baseEncoderCore, baseTokenDecoder } from './token-base-encoding';

/**
 * The kinds of o200k_base token the estimator tells apart. Other tokenizers differ from o200k_base by kind of
 * text: Qwen and DeepSeek hold more Chinese words, Gemma splits digits one by one, the legacy Claude vocabulary
 * has few Chinese tokens and long runs of spaces. Each family gets a factor per class, fitted on real tokenizers.
 */
export const TOKEN_CLASSES = [
  'han1', // one Han ideograph (possibly with a space or punctuation)
  'hanN', // two or more Han ideographs: a Chinese word o200k knows
  'cjkPunct', // CJK or fullwidth punctuation without ideographs (，。「」)
  'cjkOther', // kana, hangul and the other CJK blocks
  'bytes', // part of a UTF-8 sequence: a character o200k has no token for
  'nonAscii', // other non-ASCII text: accented Latin, Greek, Cyrillic, symbols, emoji
  'space', // spaces and tabs only
  'newline', // whitespace with at least one line break
  'digits', // digits, optionally after a space
  'word', // a lowercase word after a space (" the")
  'wordPiece', // lowercase letters without a leading space, or mixed case ("ing", "eB")
  'capitalized', // a capitalised word, optionally after a space (" The")
  'upper', // capitals only (" HTTP", "GL")
  'punct', // ASCII punctuation (and spaces), no line break
  'punctNewline', // ASCII punctuation with a line break (".\n", "});\n\n")
  'asciiMixed', // ASCII mixing letters or digits with punctuation ("_id", ".js", "0x")
] as const;

/** One of {@link TOKEN_CLASSES}. */
export type TokenClass = (typeof TOKEN_CLASSES)[number];

const CLASS_INDEX = Object.fromEntries(TOKEN_CLASSES.map((name, i) => [name, i])) as Record<TokenClass, number>;

/** Number of {@link TOKEN_CLASSES}. */
export const CLASS_COUNT = TOKEN_CLASSES.length;

function isHan(code: number): boolean {
  return (code >= 0x3400 && code <= 0x9fff) || (code >= 0xf900 && code <= 0xfaff) || (code >= 0x20000 && code <= 0x323af);
}

function isCjkPunct(code: number): boolean {
  return (code >= 0x3000 && code <= 0x303f) || (code >= 0xff00 && code <= 0xffef);
}

function isAsciiPunct(code: number): boolean {
  return (code >= 0x21 && code <= 0x2f) || (code >= 0x3a && code <= 0x40) || (code >= 0x5b && code <= 0x60) ||
    (code >= 0x7b && code <= 0x7e);
}

interface Tally {
  han: number; cjkPunct: number; cjkOther: number; broken: number; nonAscii: number; newline: number;
  blank: number; digit: number; lower: number; upper: number; punct: number; firstIsSpace: boolean;
}

function tally(text: string): Tally {
  const t: Tally = { han: 0, cjkPunct: 0, cjkOther: 0, broken: 0, nonAscii: 0, newline: 0, blank: 0, digit: 0,
    lower: 0, upper: 0, punct: 0, firstIsSpace: text.charCodeAt(0) === 0x20 };
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code === 0xfffd) t.broken++;
    else if (isHan(code)) t.han++;
    else if (isCjkPunct(code)) t.cjkPunct++;
    else if (isCjkCodePoint(code)) t.cjkOther++;
    else if (code === 0x0a || code === 0x0d) t.newline++;
    else if (code === 0x20 || code === 0x09 || code === 0x0b || code === 0x0c) t.blank++;
    else if (code >= 0x30 && code <= 0x39) t.digit++;
    else if (code >= 0x61 && code <= 0x7a) t.lower++;
    else if (code >= 0x41 && code <= 0x5a) t.upper++;
    else if (isAsciiPunct(code)) t.punct++;
    else t.nonAscii++;
  }
  return t;
}

function letterClass(text: string, t: Tally): TokenClass {
  if (t.upper === 0) return t.firstIsSpace ? 'word' : 'wordPiece';
  if (t.lower === 0) return 'upper';
  const first = text.charCodeAt(t.firstIsSpace ? 1 : 0);
  return t.upper === 1 && first >= 0x41 && first <= 0x5a ? 'capitalized' : 'wordPiece';
}

/** The class of one token's text (as o200k_base decodes it on its own; a partial UTF-8 sequence shows as U+FFFD). */
export function classifyToken(text: string): TokenClass {
  const t = tally(text);
  if (t.broken > 0) return 'bytes';
  if (t.han > 0) return t.han === 1 ? 'han1' : 'hanN';
  if (t.cjkOther > 0) return 'cjkOther';
  if (t.cjkPunct > 0) return 'cjkPunct';
  if (t.nonAscii > 0) return 'nonAscii';
  const letters = t.lower + t.upper;
  if (letters + t.digit + t.punct === 0) return t.newline > 0 ? 'newline' : 'space';
  if (letters + t.punct === 0 && t.newline === 0) return 'digits';
  if (t.digit + t.punct + t.newline === 0 && t.blank <= (t.firstIsSpace ? 1 : 0)) return letterClass(text, t);
  if (letters + t.digit === 0) return t.newline > 0 ? 'punctNewline' : 'punct';
  return 'asciiMixed';
}

/**
 * Longest token length the per-character factors see. A few tokens are long runs (80 spaces, a 75-character
 * `=====` rule) that other tokenizers do not split in proportion; counting them as 16 characters keeps the linear
 * per-character factor from extrapolating past the lengths the fit learned from.
 */
export const MAX_COUNTED_LENGTH = 16;

/** Entries per class in a packed table: lengths 0…MAX_COUNTED_LENGTH. */
const SLOTS = MAX_COUNTED_LENGTH + 1;

let packedTable: Uint16Array | undefined;

/**
 * For every o200k_base token id, `class · SLOTS + counted length`. Built by classifying the whole vocabulary on first
 * use: about 0.1–0.2 s and 400 KB, paid once per process and only by families that are not counted exactly
 * (OpenAI's estimate is the base count itself).
 */
function packed(): Uint16Array {
  if (packedTable !== undefined) return packedTable;
  const { size, decodeOne } = baseTokenDecoder();
  const table = new Uint16Array(size);
  for (let id = 0; id < size; id++) {
    const text = decodeOne(id);
    if (text === undefined) continue; // an unused id never comes out of the encoder
    table[id] = CLASS_INDEX[classifyToken(text)] * SLOTS + Math.min(text.length, MAX_COUNTED_LENGTH);
  }
  packedTable = table;
  return table;
}

/**
 * Per class: how many tokens of `ids` fall in it (entries 0…CLASS_COUNT−1) and how many characters those tokens
 * hold, each counted up to {@link MAX_COUNTED_LENGTH} (entries CLASS_COUNT…2·CLASS_COUNT−1): the fit's features.
 */
export function classCounts(ids: readonly number[]): Float64Array {
  const table = packed();
  const counts = new Float64Array(2 * CLASS_COUNT);
  for (const id of ids) {
    const slot = table[id];
    const c = Math.floor(slot / SLOTS);
    counts[c]++;
    counts[CLASS_COUNT + c] += slot % SLOTS;
  }
  return counts;
}

/** A family's per-class factors as the cost of one token of each (class, counted length): `T + C · length`. */
export function tokenCostTable(perToken: (c: TokenClass) => number, perChar: (c: TokenClass) => number): Float64Array {
  const costs = new Float64Array(CLASS_COUNT * SLOTS);
  TOKEN_CLASSES.forEach((c, i) => {
    for (let length = 0; length < SLOTS; length++) costs[i * SLOTS + length] = perToken(c) + perChar(c) * length;
  });
  return costs;
}

/**
 * Σ cost over the o200k_base tokens of `text`, with `costs` from {@link tokenCostTable}. Walks the pieces the way
 * gpt-tokenizer's `countTokens` does, so it costs about what counting costs (bench P4), not what `encode` costs.
 */
export function tokenCostSum(text: string, costs: Float64Array): number {
  const table = packed();
  const core = baseEncoderCore();
  let sum = 0;
  for (const [piece] of text.matchAll(core.tokenSplitRegex)) {
    const rank = core.getBpeRankFromString(piece);
    if (rank !== undefined) {
      sum += costs[table[rank]];
      continue;
    }
    for (const id of core.bytePairEncode(piece)) sum += costs[table[id]];
  }
  return sum;
}
