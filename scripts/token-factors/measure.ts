/** Counts every passage of the large corpus with the base encoding, its token classes and the real tokenizers. */
import { baseTokenIds } from '../../src/llm-manager/usage/token-base-encoding';
import { cjkRatio } from '../../src/llm-manager/usage/token-cjk';
import { classCounts } from '../../src/llm-manager/usage/token-classes';
import { readLargeCorpus, type Passage } from './large/passages';
import type { FittedFamily, RealTokenizer } from './real-tokenizers';

/** A passage with everything the fit needs measured on it. */
export interface MeasuredPassage extends Passage {
  readonly chars: number;
  /** o200k_base tokens. */
  readonly base: number;
  /** CJK share, for the seed formula's comparison fit. */
  readonly r: number;
  /** Tokens then characters per token class (token-classes.ts), the estimator's features. */
  readonly features: readonly number[];
  readonly real: Readonly<Record<FittedFamily, number>>;
}

/** Measures the large corpus (about a minute: six real tokenizers over ~2 MB). */
export function measureCorpus(tokenizers: readonly RealTokenizer[]): MeasuredPassage[] {
  return readLargeCorpus().map((passage) => {
    const ids = baseTokenIds(passage.text);
    const real = Object.fromEntries(tokenizers.map((t) => [t.family, t.count(passage.text)])) as Record<FittedFamily, number>;
    if (real.openai !== ids.length) throw new Error(`o200k base disagrees with the GPT-4o tokenizer on ${passage.id}`);
    return {
      ...passage,
      chars: passage.text.length,
      base: ids.length,
      r: cjkRatio(passage.text),
      features: Array.from(classCounts(ids)),
      real,
    };
  });
}
