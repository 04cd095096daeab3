import factorsJson from './token-factors.json';
import { BASE_ENCODING, baseTokenCount, splitAtTokenBoundaries } from './token-base-encoding';
import { TOKEN_CLASSES, tokenCostSum, tokenCostTable, type TokenClass } from './token-classes';
import { TOKEN_FAMILIES, type TokenFamily } from './token-family';

export { cjkRatio } from './token-cjk';
export { modelFamily, TOKEN_FAMILIES, type TokenFamily } from './token-family';
export { TOKEN_CLASSES, type TokenClass } from './token-classes';

/** Fitted numbers for one tokenizer family (see docs/token-estimation.md). */
export interface FamilyFactors {
  /** Real tokens per o200k_base token of each class (token-classes.ts). */
  readonly perToken: Readonly<Record<TokenClass, number>>;
  /** Real tokens per character held by the o200k_base tokens of each class. */
  readonly perChar: Readonly<Record<TokenClass, number>>;
  /** Chat-template tokens each message adds (role markers, separators), measured from the family's template. */
  readonly perMessage: number;
  /** Chat-template tokens added once per request (BOS, the primed assistant turn). */
  readonly perRequest: number;
  /** Mean absolute % error of `estimate` on the passages the factors were fitted on. */
  readonly trainMeanAbsPctError: number;
  /** Mean absolute % error on the held-out passages (sources the fit never saw). */
  readonly heldOutMeanAbsPctError: number;
  /** 95th percentile absolute % error on the held-out passages. */
  readonly heldOutP95AbsPctError: number;
  /** Largest absolute % error on any held-out passage. */
  readonly heldOutMaxAbsPctError: number;
  /** The real tokenizer the factors were fitted against. */
  readonly tokenizer: string;
}

/** The shape of token-factors.json, written by scripts/token-factors/fit.ts. */
export interface TokenFactorsFile {
  readonly generatedBy: string;
  /** Must equal {@link BASE_ENCODING}: factors are ratios to this encoding's tokens. */
  readonly baseEncoding: string;
  /** Must equal {@link TOKEN_CLASSES}: the classes the factors were fitted for. */
  readonly classes: readonly string[];
  /** ISO date of the fit. */
  readonly generated: string;
  readonly corpus: {
    readonly passages: number;
    readonly heldOut: number;
    readonly chars: number;
    /** sha256 over the corpus passages, to tell whether factors and corpus belong together. */
    readonly sha256: string;
  };
  readonly families: Readonly<Record<TokenFamily, FamilyFactors>>;
}

/** A chat message as the estimator needs it; LangChain and OpenAI message objects fit after mapping content. */
export interface EstimatedMessage {
  readonly role: string;
  readonly content: string;
}

/** The factors shipped with the library; the assignment type-checks the JSON against {@link TokenFactorsFile}. */
export const TOKEN_FACTORS: TokenFactorsFile = factorsJson;

/**
 * Largest slice `estimateAsync` tokenizes between two yields to the event loop. Chinese is the slowest text for
 * o200k_base (0.3–0.5 MB/s with a cold merge cache on the 2-core benchmark machine, docs/token-estimation.md),
 * so a slice blocks the loop for ~30–40 ms at worst and ~2 ms for English or code.
 */
export const ASYNC_SLICE_CHARS = 4096;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A non-empty text is at least one token. */
const atLeastOne = (sum: number): number => Math.max(1, Math.round(sum));

/** A family's cost per (class, length) table; undefined when the factors are the identity (the base count). */
function costsOf(factors: FamilyFactors): Float64Array | undefined {
  const exact = TOKEN_CLASSES.every((c) => factors.perToken[c] === 1 && factors.perChar[c] === 0);
  return exact ? undefined : tokenCostTable((c) => factors.perToken[c], (c) => factors.perChar[c]);
}

/**
 * Estimates the tokens a model will bill for a text without loading that model's tokenizer. The text is encoded
 * once with o200k_base; each token falls in one of {@link TOKEN_CLASSES}, and the family's factors give, per
 * class, real tokens per o200k token and per character: `round(Σ n_c · T_c + len_c · C_c)`. It refines the seed's
 * `base · (F_zh · r + F_en · (1 − r))`, whose two classes (CJK, the rest) miss by up to 5 % on unseen text.
 * Factors are fitted by scripts/token-factors/fit.ts; OpenAI's are the identity (the base is its encoding).
 */
export class TokenEstimator {
  private readonly costs: ReadonlyMap<TokenFamily, Float64Array | undefined>;

  constructor(private readonly factors: TokenFactorsFile = TOKEN_FACTORS) {
    if (factors.baseEncoding !== BASE_ENCODING) {
      throw new Error(
        `token factors were fitted on ${factors.baseEncoding} but the estimator counts ${BASE_ENCODING}; ` +
          're-run scripts/token-factors/fit.ts',
      );
    }
    if (factors.classes.join() !== TOKEN_CLASSES.join()) {
      throw new Error('token factors were fitted for other token classes; re-run scripts/token-factors/fit.ts');
    }
    this.costs = new Map(TOKEN_FAMILIES.map((family) => [family, costsOf(factors.families[family])]));
  }

  /** The fitted numbers used for `family`. */
  factorsFor(family: TokenFamily): FamilyFactors {
    return this.factors.families[family];
  }

  /** Estimated tokens of `text` for `family`; 0 for the empty string, at least 1 otherwise. Synchronous. */
  estimate(text: string, family: TokenFamily): number {
    if (text.length === 0) return 0;
    const costs = this.costs.get(family);
    return costs === undefined ? baseTokenCount(text) : atLeastOne(tokenCostSum(text, costs));
  }

  /**
   * Like {@link estimate}, with the same result, but tokenizes large texts in slices of {@link ASYNC_SLICE_CHARS}
   * and yields to the event loop between them, so a megabyte of pasted Chinese text does not stall other requests.
   */
  async estimateAsync(text: string, family: TokenFamily): Promise<number> {
    if (text.length <= ASYNC_SLICE_CHARS) return this.estimate(text, family);
    const costs = this.costs.get(family);
    let total = 0;
    for (const slice of splitAtTokenBoundaries(text, ASYNC_SLICE_CHARS)) {
      await yieldToEventLoop();
      total += costs === undefined ? baseTokenCount(slice) : tokenCostSum(slice, costs);
    }
    return costs === undefined ? total : atLeastOne(total);
  }

  /**
   * Estimated prompt tokens of a chat request: each message's content estimate plus the family's per-message
   * template overhead, plus the once-per-request overhead (BOS and the primed assistant turn). For OpenAI models
   * that is OpenAI's documented 3 tokens per message + 1 for the role + 3 for the reply priming.
   */
  estimateMessages(messages: readonly EstimatedMessage[], family: TokenFamily): number {
    const content = messages.reduce((sum, message) => sum + this.estimate(message.content, family), 0);
    return content + this.overhead(messages.length, family);
  }

  /** {@link estimateMessages} without blocking the event loop on long conversations. */
  async estimateMessagesAsync(messages: readonly EstimatedMessage[], family: TokenFamily): Promise<number> {
    let content = 0;
    for (const message of messages) content += await this.estimateAsync(message.content, family);
    return content + this.overhead(messages.length, family);
  }

  private overhead(messageCount: number, family: TokenFamily): number {
    if (messageCount === 0) return 0;
    const { perMessage, perRequest } = this.factorsFor(family);
    return Math.round(perMessage * messageCount + perRequest);
  }
}
