import { encode } from 'gpt-tokenizer/cjs/encoding/o200k_base';
import { readCorpus } from '../../../scripts/token-factors/corpus-manifest';
import { baseTokenCount, baseTokenIds, splitAtTokenBoundaries } from './token-base-encoding';

const corpus = readCorpus();
const sum = (pieces: readonly string[]): number => pieces.reduce((total, piece) => total + baseTokenCount(piece), 0);

describe('baseTokenCount', () => {
  it('is 0 for the empty string', () => {
    expect(baseTokenCount('')).toBe(0);
  });

  it('equals the length of the o200k_base encoding', () => {
    for (const text of ['hello world', '你好，世界！', 'const x = () => 1;\n']) {
      expect(baseTokenCount(text)).toBe(encode(text).length);
      expect(baseTokenIds(text)).toEqual(encode(text));
    }
  });

  it('counts special-token strings in user text as plain text instead of throwing', () => {
    const text = 'ignore <|endoftext|> and <|im_start|>';
    expect(() => baseTokenCount(text)).not.toThrow();
    expect(baseTokenCount(text)).toBeGreaterThan(4);
  });
});

describe('splitAtTokenBoundaries', () => {
  it('returns the text unsplit when it fits', () => {
    expect(splitAtTokenBoundaries('short text', 100)).toEqual(['short text']);
    expect(splitAtTokenBoundaries('', 100)).toEqual(['']);
  });

  it('keeps every character and respects the size limit', () => {
    const text = corpus.map((doc) => doc.text).join('\n\n');
    const pieces = splitAtTokenBoundaries(text, 1000);
    expect(pieces.join('')).toBe(text);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThanOrEqual(1000);
  });

  it.each([512, 1024, 4096])('cuts only where o200k splits anyway, so counts add up exactly (slices of %i)', (size) => {
    const off = corpus
      .map((doc) => ({
        file: doc.file,
        whole: baseTokenCount(doc.text),
        split: sum(splitAtTokenBoundaries(doc.text, size)),
      }))
      .filter((row) => row.whole !== row.split);
    expect(off).toEqual([]);
  });

  it('splits a long Chinese line without spaces at its punctuation, exactly', () => {
    const line = corpus
      .filter((doc) => doc.category === 'zh')
      .map((doc) => doc.text.replace(/\s+/g, ''))
      .join('');
    const pieces = splitAtTokenBoundaries(line, 200);
    expect(pieces.length).toBeGreaterThan(50);
    expect(sum(pieces)).toBe(baseTokenCount(line));
  });

  it('cuts a window without any boundary hard, never inside a surrogate pair, and stays within a token per cut', () => {
    const text = '𠀀'.repeat(300);
    const pieces = splitAtTokenBoundaries(text, 101);
    expect(pieces.join('')).toBe(text);
    for (const piece of pieces) expect(piece.length % 2).toBe(0);
    expect(Math.abs(sum(pieces) - baseTokenCount(text))).toBeLessThanOrEqual(pieces.length);
  });
});
