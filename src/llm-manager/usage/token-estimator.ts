import factorsJson from './token-factors.json';
import { BASE_ENCODING, baseTokenCount, splitAtTokenBoundaries } from './token-base-encoding';
import { cjkRatio } from './token-cjk';
import type { TokenFamily } from './token-family';

export { cjkRatio } from './token-cjk';
export { modelFamily, TOKEN_FAMILIES, type TokenFamily } from './token-family';

/** Fitted numbers for one tokenizer family (see docs/token-estimation.md). */
export interface FamilyFactors {
  /** Real tokens per o200k_base token on pure CJK text (r = 1). */
  readonly zh: number;
  /** Real tokens per o200k_base token on text without CJK (r = 0). */
  readonly en: number;
  /** Chat-template tokens each message adds (role markers, separators), measured from the family's template. */
  readonly perMessage: number;
  /** Chat-template tokens added once per request (BOS, the primed assistant turn). */
  readonly perRequest: number;
  /** Mean absolute % error of `estimate` over the whole corpus. */
  readonly meanAbsPctError: number;
  /** 95th percentile absolute % error over the corpus. */
  readonly p95AbsPctError: number;
  /** Largest absolute % error on any corpus document (documents of 150–6,000 tokens). */
  readonly maxAbsPctError: number;
  /** Largest absolute % error on the documents held out of the fit. */
  readonly heldOutMaxAbsPctError: number;
  /** The real tokenizer the factors were fitted against. */
  readonly tokenizer: string;
}

/** The shape of token-factors.json, written by scripts/token-factors/fit.ts. */
export interface TokenFactorsFile {
  readonly generatedBy: string;
  /** Must equal {@link BASE_ENCODING}: factors are ratios to this encoding's counts. */
  readonly baseEncoding: string;
  /** ISO date of the fit. */
  readonly generated: string;
  readonly corpus: {
    readonly documents: number;
    readonly heldOut: number;
    readonly chars: number;
    /** sha256 over the corpus files, to tell whether factors and corpus belong together. */
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

/**
 * Estimates the tokens a model will bill for a text without loading that model's tokenizer: the o200k_base
 * count times a per-family factor interpolated by the CJK share r of the text,
 * `round(base · (F_zh · r + F_en · (1 − r)))`. Factors are fitted by scripts/token-factors/fit.ts.
 */
export class TokenEstimator {
  constructor(private readonly factors: TokenFactorsFile = TOKEN_FACTORS) {
    if (factors.baseEncoding !== BASE_ENCODING) {
      throw new Error(
        `token factors were fitted on ${factors.baseEncoding} but the estimator counts ${BASE_ENCODING}; ` +
          're-run scripts/token-factors/fit.ts',
      );
    }
  }

  /** The fitted numbers used for `family`. */
  factorsFor(family: TokenFamily): FamilyFactors {
    return this.factors.families[family];
  }

  /** The multiplier applied to the base count of a text whose CJK share is `r`. */
  factor(r: number, family: TokenFamily): number {
    const { zh, en } = this.factorsFor(family);
    return zh * r + en * (1 - r);
  }

  /** Estimated tokens of `text` for `family`; 0 for the empty string, at least 1 otherwise. Synchronous. */
  estimate(text: string, family: TokenFamily): number {
    if (text.length === 0) return 0;
    return this.scale(baseTokenCount(text), cjkRatio(text), family);
  }

  /**
   * Like {@link estimate}, with the same result, but tokenizes large texts in slices of {@link ASYNC_SLICE_CHARS}
   * and yields to the event loop between them, so a megabyte of pasted Chinese text does not stall other requests.
   */
  async estimateAsync(text: string, family: TokenFamily): Promise<number> {
    if (text.length === 0) return 0;
    return this.scale(await this.baseCountAsync(text), cjkRatio(text), family);
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

  private scale(base: number, r: number, family: TokenFamily): number {
    return Math.max(1, Math.round(base * this.factor(r, family)));
  }

  private async baseCountAsync(text: string): Promise<number> {
    if (text.length <= ASYNC_SLICE_CHARS) return baseTokenCount(text);
    let total = 0;
    for (const slice of splitAtTokenBoundaries(text, ASYNC_SLICE_CHARS)) {
      await yieldToEventLoop();
      total += baseTokenCount(slice);
    }
    return total;
  }
}
