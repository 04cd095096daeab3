/**
 * Fits the per-family factors of the token estimator against real tokenizers and writes
 * src/llm-manager/usage/token-factors.json and docs/token-estimation.md.
 *
 *   npx ts-node --transpile-only scripts/token-factors/bench-tokenizers.ts   # optional: refresh speed numbers
 *   npx ts-node --transpile-only scripts/token-factors/fit.ts
 *
 * Deterministic: the same corpus and package versions give the same factors (only the date changes).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode as cl100kEncode } from 'gpt-tokenizer/cjs/encoding/cl100k_base';
import { BASE_ENCODING, baseTokenCount } from '../../src/llm-manager/usage/token-base-encoding';
import { cjkRatio } from '../../src/llm-manager/usage/token-cjk';
import type { FamilyFactors, TokenFactorsFile } from '../../src/llm-manager/usage/token-estimator';
import type { BenchResults } from './bench-tokenizers';
import { CATEGORIES, corpusSha256, readCorpus, type CorpusEntry } from './corpus-manifest';
import { errorStats, fitAbsolute, fitRelative, round, type ErrorStats, type Factors, type Sample } from './fit-math';
import {
  FITTED_FAMILIES,
  loadRealTokenizers,
  measureOverhead,
  o200kIds,
  type FittedFamily,
  type MessageOverhead,
} from './real-tokenizers';
import { renderReport, type FamilyReport, type ReportInput } from './report';

const ROOT = join(__dirname, '..', '..');
const FACTORS_FILE = join(ROOT, 'src', 'llm-manager', 'usage', 'token-factors.json');
const DOC_FILE = join(ROOT, 'docs', 'token-estimation.md');

/** A corpus document with everything measured on it. */
export interface MeasuredDoc extends CorpusEntry {
  readonly chars: number;
  readonly r: number;
  readonly base: number;
  readonly cl100k: number;
  readonly heldOut: boolean;
  readonly real: Readonly<Record<FittedFamily, number>>;
}

type TokenFamilyName = FittedFamily | 'default';

type SampleSource = (docs: readonly MeasuredDoc[]) => Sample[];

/** Samples of one family, or of all families pooled (the `default` fit). */
function picker(families: readonly FittedFamily[], base: 'o200k' | 'cl100k' = 'o200k'): SampleSource {
  return (docs) =>
    families.flatMap((family) =>
      docs.map((d) => ({ base: base === 'o200k' ? d.base : d.cl100k, r: d.r, real: d.real[family] })),
    );
}

function fitAndDescribe(
  family: TokenFamilyName,
  docs: readonly MeasuredDoc[],
  pick: SampleSource,
  fit: (samples: readonly Sample[]) => Factors = fitRelative,
): FamilyReport {
  const train = docs.filter((d) => !d.heldOut);
  const raw = fit(pick(train));
  const factors: Factors = { zh: round(raw.zh, 4), en: round(raw.en, 4) };
  const byCategory: Record<string, ErrorStats> = {};
  for (const category of CATEGORIES) {
    byCategory[category] = errorStats(factors, pick(docs.filter((d) => d.category === category)));
  }
  return {
    family,
    factors,
    train: errorStats(factors, pick(train)),
    heldOut: errorStats(factors, pick(docs.filter((d) => d.heldOut))),
    byCategory,
  };
}

function toEntry(report: FamilyReport, overhead: MessageOverhead, tokenizer: string): FamilyFactors {
  return {
    zh: report.factors.zh,
    en: report.factors.en,
    perMessage: overhead.perMessage,
    perRequest: overhead.perRequest,
    meanAbsPctError: report.train.meanAbsPct,
    p95AbsPctError: report.train.p95AbsPct,
    maxAbsPctError: report.train.maxAbsPct,
    heldOutMaxAbsPctError: report.heldOut.maxAbsPct,
    tokenizer,
  };
}

function main(): void {
  const tokenizers = loadRealTokenizers();
  const corpus = readCorpus();
  const docs: MeasuredDoc[] = corpus.map((doc) => ({
    file: doc.file,
    category: doc.category,
    source: doc.source,
    license: doc.license,
    heldOut: doc.heldOut,
    chars: doc.text.length,
    r: cjkRatio(doc.text),
    base: baseTokenCount(doc.text),
    cl100k: cl100kEncode(doc.text, { disallowedSpecial: new Set<string>() }).length,
    real: Object.fromEntries(tokenizers.map((t) => [t.family, t.count(doc.text)])) as Record<FittedFamily, number>,
  }));
  const wrong = corpus.find((doc, i) => docs[i].base !== docs[i].real.openai || o200kIds(doc.text).length !== docs[i].base);
  if (wrong !== undefined) throw new Error(`o200k base disagrees with the GPT-4o tokenizer on ${wrong.file}`);

  const reports: FamilyReport[] = [];
  const baseComparison: ReportInput['baseComparison'][number][] = [];
  const entries: Array<[TokenFamilyName, FamilyFactors]> = [];
  for (const tokenizer of tokenizers) {
    const report = fitAndDescribe(tokenizer.family, docs, picker([tokenizer.family]));
    reports.push(report);
    const cl100k = fitAndDescribe(tokenizer.family, docs, picker([tokenizer.family], 'cl100k'));
    const absolute = fitAndDescribe(tokenizer.family, docs, picker([tokenizer.family]), fitAbsolute);
    baseComparison.push({ family: tokenizer.family, o200k: report.train, absolute: absolute.train, cl100k: cl100k.train });
    entries.push([tokenizer.family, toEntry(report, measureOverhead(tokenizer), `${tokenizer.source}: ${tokenizer.note}`)]);
  }

  const pooled = fitAndDescribe('default', docs, picker(FITTED_FAMILIES));
  reports.push(pooled);
  const mean = (pick: (f: FamilyFactors) => number): number =>
    Math.round((entries.reduce((sum, [, f]) => sum + pick(f), 0) / entries.length) * 2) / 2;
  const overhead = { perMessage: mean((f) => f.perMessage), perRequest: mean((f) => f.perRequest) };
  entries.push(['default', toEntry(pooled, overhead, 'pooled: one fit over all six tokenizers')]);

  const file: TokenFactorsFile = {
    generatedBy: 'scripts/token-factors/fit.ts; do not edit by hand',
    baseEncoding: BASE_ENCODING,
    generated: new Date().toISOString().slice(0, 10),
    corpus: {
      documents: docs.length,
      heldOut: docs.filter((d) => d.heldOut).length,
      chars: docs.reduce((sum, d) => sum + d.chars, 0),
      sha256: corpusSha256(corpus),
    },
    families: Object.fromEntries(entries) as TokenFactorsFile['families'],
  };
  writeFileSync(FACTORS_FILE, `${JSON.stringify(file, null, 2)}\n`);

  const benchFile = join(__dirname, 'bench-results.json');
  const bench = existsSync(benchFile) ? (JSON.parse(readFileSync(benchFile, 'utf8')) as BenchResults) : undefined;
  const markdown = renderReport({ file, reports, baseComparison, docs, bench });
  writeFileSync(DOC_FILE, markdown);
  console.log(markdown.slice(markdown.indexOf('## Fitted factors'), markdown.indexOf('## Corpus')));
  console.log(`wrote ${FACTORS_FILE} and ${DOC_FILE}`);
}

main();
