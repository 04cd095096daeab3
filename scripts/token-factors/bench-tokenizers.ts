/**
 * gpt-tokenizer vs js-tiktoken on o200k_base, on this machine: cold-start cost, throughput on English, Chinese
 * and code, and whether both give identical token ids on every corpus document. Writes bench-results.json,
 * which fit.ts copies into docs/token-estimation.md.
 *
 *   npx ts-node --transpile-only scripts/token-factors/bench-tokenizers.ts
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as gpt from 'gpt-tokenizer/cjs/encoding/o200k_base';
import { Tiktoken, type TiktokenBPE } from 'js-tiktoken/lite';
import { ASYNC_SLICE_CHARS } from '../../src/llm-manager/usage/token-estimator';
import { CATEGORIES, readCorpus } from './corpus-manifest';

const ROOT = join(__dirname, '..', '..');
const MIN_MS = 1500;

interface Throughput {
  readonly mbPerSec: number;
  readonly msPer64KB: number;
  /** Milliseconds for one estimateAsync slice ({@link ASYNC_SLICE_CHARS} characters) of this kind of text. */
  readonly msPerSlice: number;
}

/** The shape bench-results.json has; fit.ts reads it back. */
export interface BenchResults {
  readonly date: string;
  readonly node: string;
  readonly cpu: string;
  readonly coldStartMs: { readonly gptTokenizer: number; readonly jsTiktoken: number };
  readonly throughput: Record<string, Record<'gptTokenizer' | 'gptTokenizerWarm' | 'jsTiktoken', Throughput>>;
  /**
   * A process that has been running (JIT warm, gpt-tokenizer's merge cache filled by the other categories) meets text
   * it has not seen: each document once, MB/s as the median of five such passes. The realistic "warm" case; the
   * `gptTokenizerWarm` figure re-encodes one text that is already in the cache.
   */
  readonly freshText: Record<string, { readonly gptTokenizer: number; readonly jsTiktoken: number }>;
  readonly identical: { readonly documents: number; readonly tokens: number; readonly mismatches: number };
}

// js-tiktoken's ranks subpath has types only under node16 resolution; its CommonJS build exports the table itself.
const ranks = require('js-tiktoken/ranks/o200k_base') as TiktokenBPE;
const tiktoken = new Tiktoken(ranks);
const AS_TEXT = { disallowedSpecial: new Set<string>() };

const corpus = readCorpus();

/** Median of five fresh processes: loading, parsing the ranks and one short encode. */
function coldStartMs(script: string): number {
  const runs = Array.from({ length: 5 }, () =>
    Number(execFileSync(process.execPath, ['-e', script], { cwd: ROOT, encoding: 'utf8' }).trim()),
  ).sort((a, b) => a - b);
  return Math.round(runs[2]);
}

function throughput(text: string, encodeOnce: () => void): Throughput {
  encodeOnce();
  let runs = 0;
  const start = performance.now();
  while (performance.now() - start < MIN_MS || runs < 3) {
    encodeOnce();
    runs++;
  }
  const ms = (performance.now() - start) / runs;
  const bytes = Buffer.byteLength(text, 'utf8');
  return {
    mbPerSec: round(bytes / 1e6 / (ms / 1000)),
    msPer64KB: round((ms * 65536) / bytes),
    msPerSlice: round((ms * ASYNC_SLICE_CHARS) / text.length),
  };
}

/**
 * MB/s encoding each document of `texts` once, first time seen: before every pass the cache is cleared and refilled
 * with `warmUp` (other text), so only what a long-running process knows from unrelated text helps.
 */
function freshTextMbPerSec(texts: readonly string[], warmUp: readonly string[], encode: (text: string) => void, clear: () => void): number {
  const bytes = texts.reduce((sum, text) => sum + Buffer.byteLength(text, 'utf8'), 0);
  const passes = Array.from({ length: 5 }, () => {
    clear();
    for (const text of warmUp) encode(text);
    const start = performance.now();
    for (const text of texts) encode(text);
    return bytes / 1e6 / ((performance.now() - start) / 1000);
  }).sort((a, b) => a - b);
  return round(passes[2]);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function main(): void {
  const startClock = 'const t=process.hrtime.bigint();';
  const stopClock = 'console.log(Number(process.hrtime.bigint()-t)/1e6)';
  const coldStart = {
    gptTokenizer: coldStartMs(
      `${startClock}const g=require('gpt-tokenizer/cjs/encoding/o200k_base');g.countTokens('hello 世界');${stopClock}`,
    ),
    jsTiktoken: coldStartMs(
      `${startClock}const {Tiktoken}=require('js-tiktoken/lite');const r=require('js-tiktoken/ranks/o200k_base');` +
        `new Tiktoken(r).encode('hello 世界');${stopClock}`,
    ),
  };

  // First, before any pass has put a category's own text in the cache.
  const freshText: BenchResults['freshText'] = {};
  for (const category of CATEGORIES) {
    const texts = corpus.filter((doc) => doc.category === category).map((doc) => doc.text);
    const others = corpus.filter((doc) => doc.category !== category).map((doc) => doc.text);
    freshText[category] = {
      gptTokenizer: freshTextMbPerSec(texts, others, (text) => gpt.countTokens(text, AS_TEXT), () => gpt.clearMergeCache()),
      jsTiktoken: freshTextMbPerSec(texts, others, (text) => tiktoken.encode(text, [], []), () => undefined),
    };
  }

  const results: BenchResults['throughput'] = {};
  for (const category of CATEGORIES) {
    const text = corpus.filter((doc) => doc.category === category).map((doc) => doc.text).join('\n\n');
    results[category] = {
      gptTokenizer: throughput(text, () => {
        gpt.clearMergeCache();
        gpt.countTokens(text, AS_TEXT);
      }),
      gptTokenizerWarm: throughput(text, () => gpt.countTokens(text, AS_TEXT)),
      jsTiktoken: throughput(text, () => tiktoken.encode(text, [], [])),
    };
  }

  let tokens = 0;
  let mismatches = 0;
  for (const { file, text } of corpus) {
    const a = gpt.encode(text, AS_TEXT);
    const b = tiktoken.encode(text, [], []);
    tokens += a.length;
    if (a.length !== b.length || a.some((id, i) => id !== b[i]) || gpt.countTokens(text, AS_TEXT) !== a.length) {
      mismatches++;
      console.error(`token ids differ on ${file}`);
    }
  }

  const bench: BenchResults = {
    date: new Date().toISOString().slice(0, 10),
    node: process.version,
    cpu: `${cpus()[0]?.model ?? 'unknown'} (${cpus().length} cores)`,
    coldStartMs: coldStart,
    throughput: results,
    freshText,
    identical: { documents: corpus.length, tokens, mismatches },
  };
  writeFileSync(join(__dirname, 'bench-results.json'), `${JSON.stringify(bench, null, 2)}\n`);
  console.log(JSON.stringify(bench, null, 2));
}

main();
