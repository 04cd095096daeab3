type O200kModule = typeof import('gpt-tokenizer/cjs/encoding/o200k_base');

/**
 * The base encoding every estimate starts from. o200k_base is what GPT-4o, GPT-4.1, GPT-5 and the o-series use,
 * so OpenAI estimates are exact counts; and being multilingual (cl100k_base needs ~1.5× its tokens for Chinese),
 * it keeps the other families' factors steadier across kinds of text (docs/token-estimation.md compares both).
 */
export const BASE_ENCODING = 'o200k_base';

/** Special-token strings inside user text are counted as the plain text they are, never rejected. */
const AS_PLAIN_TEXT = { disallowedSpecial: new Set<string>() };

let encoding: O200kModule | undefined;

/**
 * Loads the encoding on first use. `require` instead of a top-level import: parsing the 200k ranks costs about
 * 300 ms and 30 MB, which a process that never estimates should not pay. The ranks ship inside the package, so
 * this never touches the network.
 */
function loadEncoding(): O200kModule {
  encoding ??= require('gpt-tokenizer/cjs/encoding/o200k_base') as O200kModule;
  return encoding;
}

/** Number of o200k_base tokens in `text`; 0 for the empty string. */
export function baseTokenCount(text: string): number {
  if (text.length === 0) return 0;
  return loadEncoding().countTokens(text, AS_PLAIN_TEXT);
}

/** The o200k_base token ids of `text` (special-token strings encoded as plain text). */
export function baseTokenIds(text: string): number[] {
  return loadEncoding().encode(text, AS_PLAIN_TEXT);
}

/** The parts of gpt-tokenizer's byte-pair encoder the estimator's token loop uses (token-classes.ts). */
export interface BaseEncoderCore {
  /** The o200k pre-tokenizer: the text splits into these pieces, and each piece into one or more tokens. */
  readonly tokenSplitRegex: RegExp;
  /** The id of a piece that is one token, else undefined. */
  getBpeRankFromString(piece: string): number | undefined;
  /** The ids of a piece that is several tokens. */
  bytePairEncode(piece: string): number[];
}

/**
 * gpt-tokenizer's encoder core, so the estimator can walk a text's tokens as `countTokens` does, without the id
 * array `encode` builds (which costs ~15 % on top of the count, bench P4). Not gpt-tokenizer's documented API: the
 * shape is checked here, and token-base-encoding.spec.ts checks the walk gives `encode`'s ids.
 */
export function baseEncoderCore(): BaseEncoderCore {
  const api = (loadEncoding() as unknown as { default?: { bytePairEncodingCoreProcessor?: Partial<BaseEncoderCore> } }).default;
  const core = api?.bytePairEncodingCoreProcessor;
  if (
    !(core?.tokenSplitRegex instanceof RegExp) ||
    typeof core.getBpeRankFromString !== 'function' ||
    typeof core.bytePairEncode !== 'function'
  ) {
    throw new Error('gpt-tokenizer changed its encoder internals; update baseEncoderCore() in token-base-encoding.ts');
  }
  return core as BaseEncoderCore;
}

/** Ids up to the last special token of o200k_base (`<|endofprompt|>`, 200018); a few in between are unused. */
const ID_RANGE = 200_019;

/** Decodes single token ids, for classifying the vocabulary (token-classes.ts). */
export interface TokenDecoder {
  /** One more than the largest id. */
  readonly size: number;
  /** The text of one token; U+FFFD where it is part of a multi-byte character; undefined for an unused id. */
  decodeOne(id: number): string | undefined;
}

/** A {@link TokenDecoder} over the loaded encoding. */
export function baseTokenDecoder(): TokenDecoder {
  const { decode } = loadEncoding();
  return {
    size: ID_RANGE,
    decodeOne: (id) => {
      try {
        return decode([id]);
      } catch (error) {
        // gpt-tokenizer throws for the handful of unused ids; anything else is a real failure.
        if (error instanceof Error && /not in the byte pair encoder/.test(error.message)) return undefined;
        throw error;
      }
    },
  };
}

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/**
 * True when `at` starts a new pre-token right after a newline: a newline run (`\s*[\r\n]+`) ends at its last line
 * break, so the cut is safe unless more line breaks follow after blanks, or a slash follows directly (a punctuation
 * piece may swallow trailing newlines and slashes, `.\n/`).
 */
function isAfterLastNewline(text: string, at: number): boolean {
  if (text.charCodeAt(at - 1) !== 0x0a || text.charCodeAt(at) === 0x2f) return false;
  let i = at;
  while (i < text.length && (text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09)) i++;
  return i < text.length && text.charCodeAt(i) !== 0x0a && text.charCodeAt(i) !== 0x0d;
}

/** Ideograph followed by one of ，。、；：！？ — the punctuation starts a new piece (it may prefix the next word). */
function isHanThenPunctuation(previous: number, code: number): boolean {
  const han = previous >= 0x4e00 && previous <= 0x9fff;
  return han && (code === 0x3001 || code === 0x3002 || code === 0xff0c || code === 0xff1b || code === 0xff1a ||
    code === 0xff01 || code === 0xff1f);
}

/**
 * Finds a cut in (`from`, `limit`] at which the o200k pre-tokenizer splits anyway, so that counting the pieces
 * separately gives exactly the whole-text count. In order of preference: after the last newline of a run;
 * before a space that follows a non-space (the space belongs to the next word); before Chinese punctuation that
 * follows an ideograph (long CJK lines have no spaces). Returns -1 when the window holds none of these, e.g.
 * inside one huge minified line.
 */
function boundaryBefore(text: string, from: number, limit: number): number {
  for (let i = limit; i > from; i--) {
    if (isAfterLastNewline(text, i)) return i;
  }
  for (let i = limit; i > from; i--) {
    if (text.charCodeAt(i) === 0x20 && !isSpace(text.charCodeAt(i - 1))) return i;
  }
  for (let i = limit; i > from; i--) {
    if (isHanThenPunctuation(text.charCodeAt(i - 1), text.charCodeAt(i))) return i;
  }
  return -1;
}

/**
 * Splits `text` into pieces of at most `maxChars` UTF-16 units, cutting at pre-tokenizer boundaries where one
 * exists in the second half of the window, so the summed base count of the pieces equals the count of the whole.
 * A window without such a boundary is cut hard (never inside a surrogate pair), off by at most a token or two.
 */
export function splitAtTokenBoundaries(text: string, maxChars: number): string[] {
  const pieces: string[] = [];
  let start = 0;
  while (text.length - start > maxChars) {
    let cut = boundaryBefore(text, start + Math.floor(maxChars / 2), start + maxChars);
    if (cut < 0) {
      cut = start + maxChars;
      const code = text.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut--;
    }
    pieces.push(text.slice(start, cut));
    start = cut;
  }
  pieces.push(text.slice(start));
  return pieces;
}
