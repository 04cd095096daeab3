/**
 * Fits the per-family, per-token-class factors of the token estimator against real tokenizers on the large local
 * corpus, prints mean absolute % error per family on the training and the held-out passages, and writes
 * src/llm-manager/usage/token-factors.json, the held-out accuracy fixture and docs/token-estimation.md.
 *
 *   nice -n 10 npx ts-node --transpile-only scripts/token-factors/large/build-corpus.ts   # the corpus, ~10 s
 *   nice -n 10 npx ts-node --transpile-only scripts/token-factors/fit.ts                  # ~1–2 min
 *
 * Deterministic: the same corpus and package versions give the same factors (only the date changes).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BASE_ENCODING } from '../../src/llm-manager/usage/token-base-encoding';
import { CLASS_COUNT, TOKEN_CLASSES } from '../../src/llm-manager/usage/token-classes';
import type { FamilyFactors, TokenFactorsFile } from '../../src/llm-manager/usage/token-estimator';
import type { TokenFamily } from '../../src/llm-manager/usage/token-family';
import type { BenchResults } from './bench-tokenizers';
import { longestPerClass } from './class-lengths';
import { fitLinear, type LinearSample } from './fit-linear';
import { fitRelative, pctError, predict, round, statsOfErrors, type ErrorStats } from './fit-math';
import { measureCorpus, type MeasuredPassage } from './measure';
import { FITTED_FAMILIES, loadRealTokenizers, measureOverhead, type FittedFamily } from './real-tokenizers';
import { renderReport, type FamilyReport } from './report';
import { writeHeldOutFixture } from './write-fixture';

const ROOT = join(__dirname, '..', '..');
const FACTORS_FILE = join(ROOT, 'src', 'llm-manager', 'usage', 'token-factors.json');
const DOC_FILE = join(ROOT, 'docs', 'token-estimation.md');
/**
 * Ridge strength, reweighting rounds, scale floors and lower bound of fitLinear. The floors say "a class of 5 % of
 * a passage's tokens": classes rarer than that in the corpus stay near the prior. The bound keeps every token's
 * cost positive at every length its class has.
 */
const FIT = { lambda: 0.01, rounds: 40, minScale: Array<number>(2 * CLASS_COUNT).fill(0.05), lowerBound: 0.05 };

const SPAN = longestPerClass().map((length) => length - 1);

/**
 * The fit's own features: per class, weights that are the cost of a 1-character token (a) and of the class's
 * longest one (b), so bounding a and b bounds the cost at every length that occurs.
 * n·T + len·C = a·(n − e) + b·e with e = (len − n) / SPAN.
 */
function endpointFeatures(features: readonly number[]): number[] {
  const x = new Array<number>(2 * CLASS_COUNT);
  for (let c = 0; c < CLASS_COUNT; c++) {
    const extra = (features[CLASS_COUNT + c] - features[c]) / SPAN[c];
    x[c] = features[c] - extra;
    x[CLASS_COUNT + c] = extra;
  }
  return x;
}

/** (a, b) per class back to the estimator's (T per token, C per character): C = (b − a) / SPAN, T = a − C. */
function fromEndpoints(ab: readonly number[]): number[] {
  const perChar = Array.from({ length: CLASS_COUNT }, (_, c) => (ab[CLASS_COUNT + c] - ab[c]) / SPAN[c]);
  return [...perChar.map((perCharC, c) => ab[c] - perCharC), ...perChar];
}

type Estimator = (p: MeasuredPassage) => number;

/** The (passage, real count) pairs of a family; `default` pools all six tokenizers. */
function pairs(family: TokenFamily, docs: readonly MeasuredPassage[]): Array<{ p: MeasuredPassage; real: number }> {
  const families: readonly FittedFamily[] = family === 'default' ? FITTED_FAMILIES : [family];
  return families.flatMap((f) => docs.map((p) => ({ p, real: p.real[f] })));
}

function stats(family: TokenFamily, docs: readonly MeasuredPassage[], estimate: Estimator): ErrorStats {
  return statsOfErrors(pairs(family, docs).map(({ p, real }) => pctError(estimate(p), real)));
}

function dot(weights: readonly number[], features: readonly number[]): number {
  return features.reduce((sum, value, k) => sum + value * weights[k], 0);
}

/** Class weights: identity for OpenAI (the base is its encoding), else the fit on the training passages. */
function fitWeights(family: TokenFamily, train: readonly MeasuredPassage[]): number[] {
  if (family === 'openai') return [...Array<number>(CLASS_COUNT).fill(1), ...Array<number>(CLASS_COUNT).fill(0)];
  const samples: LinearSample[] = pairs(family, train).map(({ p, real }) => ({ x: endpointFeatures(p.features), real }));
  const ratio = samples.reduce((s, x) => s + x.real, 0) / pairs(family, train).reduce((s, { p }) => s + p.base, 0);
  const prior = Array<number>(2 * CLASS_COUNT).fill(ratio);
  return fromEndpoints(fitLinear(samples, { prior, ...FIT })).map((w) => round(w, 5));
}

function describe(family: TokenFamily, docs: readonly MeasuredPassage[]): FamilyReport & { weights: number[] } {
  const train = docs.filter((p) => !p.heldOut);
  const heldOut = docs.filter((p) => p.heldOut);
  const weights = fitWeights(family, train);
  const classes: Estimator = (p) => dot(weights, p.features);
  const seedFactors = fitRelative(pairs(family, train).map(({ p, real }) => ({ base: p.base, r: p.r, real })));
  const seed: Estimator = (p) => predict(seedFactors, p.base, p.r);
  const raw: Estimator = (p) => p.base;
  const both = (e: Estimator): { train: ErrorStats; heldOut: ErrorStats } => ({
    train: stats(family, train, e),
    heldOut: stats(family, heldOut, e),
  });
  const byCategory = Object.fromEntries(
    ['zh', 'en', 'code', 'mixed'].map((c) => [c, stats(family, heldOut.filter((p) => p.category === c), classes)]),
  );
  return { family, weights, classes: both(classes), seed: both(seed), raw: both(raw), byCategory };
}

function toEntry(report: FamilyReport & { weights: number[] }, overhead: { perMessage: number; perRequest: number }, tokenizer: string): FamilyFactors {
  const byClass = (offset: number): FamilyFactors['perToken'] =>
    Object.fromEntries(TOKEN_CLASSES.map((c, i) => [c, report.weights[offset + i]])) as FamilyFactors['perToken'];
  return {
    perToken: byClass(0),
    perChar: byClass(CLASS_COUNT),
    ...overhead,
    trainMeanAbsPctError: report.classes.train.meanAbsPct,
    heldOutMeanAbsPctError: report.classes.heldOut.meanAbsPct,
    heldOutP95AbsPctError: report.classes.heldOut.p95AbsPct,
    heldOutMaxAbsPctError: report.classes.heldOut.maxAbsPct,
    tokenizer,
  };
}

function corpusSha256(docs: readonly MeasuredPassage[]): string {
  const hash = createHash('sha256');
  for (const p of docs) hash.update(`${p.id}\0${p.heldOut}\0${p.text}\0`);
  return hash.digest('hex');
}

function printSummary(reports: readonly FamilyReport[]): void {
  const cell = (s: ErrorStats): string => s.meanAbsPct.toFixed(2).padStart(6);
  console.log('MAPE % per family      train   held-out   (raw o200k train/held-out, seed formula train/held-out)');
  for (const r of reports) {
    console.log(
      `${r.family.padEnd(10)} classes ${cell(r.classes.train)} ${cell(r.classes.heldOut)}   ` +
        `raw ${cell(r.raw.train)} ${cell(r.raw.heldOut)}   seed ${cell(r.seed.train)} ${cell(r.seed.heldOut)}`,
    );
  }
}

function main(): void {
  const tokenizers = loadRealTokenizers();
  const docs = measureCorpus(tokenizers);
  const reports = [...FITTED_FAMILIES, 'default' as const].map((family) => describe(family, docs));
  const overheads = tokenizers.map((t) => ({ family: t.family, ...measureOverhead(t), tokenizer: `${t.source}: ${t.note}` }));
  const mean = (pick: (o: (typeof overheads)[number]) => number): number =>
    Math.round((overheads.reduce((sum, o) => sum + pick(o), 0) / overheads.length) * 2) / 2;
  const entries = reports.map((r) => {
    const o = overheads.find((x) => x.family === r.family);
    const overhead = o ?? { perMessage: mean((x) => x.perMessage), perRequest: mean((x) => x.perRequest) };
    return [r.family, toEntry(r, { perMessage: overhead.perMessage, perRequest: overhead.perRequest }, o?.tokenizer ?? 'pooled: one fit over all six tokenizers')];
  });
  const file: TokenFactorsFile = {
    generatedBy: 'scripts/token-factors/fit.ts; do not edit by hand',
    baseEncoding: BASE_ENCODING,
    classes: [...TOKEN_CLASSES],
    generated: new Date().toISOString().slice(0, 10),
    corpus: {
      passages: docs.length,
      heldOut: docs.filter((p) => p.heldOut).length,
      chars: docs.reduce((sum, p) => sum + p.chars, 0),
      sha256: corpusSha256(docs),
    },
    families: Object.fromEntries(entries) as TokenFactorsFile['families'],
  };
  writeFileSync(FACTORS_FILE, `${JSON.stringify(file, null, 2)}\n`);
  const fixture = writeHeldOutFixture(docs);

  const benchFile = join(__dirname, 'bench-results.json');
  const bench = existsSync(benchFile) ? (JSON.parse(readFileSync(benchFile, 'utf8')) as BenchResults) : undefined;
  writeFileSync(DOC_FILE, renderReport({ file, reports, docs, bench, fixture }));
  printSummary(reports);
  console.log(`wrote ${FACTORS_FILE}, ${fixture.path} (${fixture.passages} passages) and ${DOC_FILE}`);
}

main();
