/** One document as the fit sees it: base count, CJK share and the real count of one tokenizer. */
export interface Sample {
  readonly base: number;
  readonly r: number;
  readonly real: number;
}

/** The two factors of `real ≈ base · (zh · r + en · (1 − r))`. */
export interface Factors {
  readonly zh: number;
  readonly en: number;
}

/** Absolute percentage errors summarised the way docs/token-estimation.md reports them. */
export interface ErrorStats {
  readonly n: number;
  readonly meanAbsPct: number;
  readonly p95AbsPct: number;
  readonly maxAbsPct: number;
  /** Mean signed error: positive means the estimate runs high. */
  readonly biasPct: number;
}

/** The estimator's formula, before rounding. */
export function predict(factors: Factors, base: number, r: number): number {
  return base * (factors.zh * r + factors.en * (1 - r));
}

/** Solves min Σ (a·zh + b·en − y)² by the 2×2 normal equations. */
function leastSquares(rows: ReadonlyArray<readonly [number, number, number]>): Factors {
  let saa = 0;
  let sab = 0;
  let sbb = 0;
  let say = 0;
  let sby = 0;
  for (const [a, b, y] of rows) {
    saa += a * a;
    sab += a * b;
    sbb += b * b;
    say += a * y;
    sby += b * y;
  }
  const det = saa * sbb - sab * sab;
  if (Math.abs(det) < 1e-12) throw new Error('degenerate corpus: need documents with both low and high CJK share');
  return { zh: (say * sbb - sby * sab) / det, en: (saa * sby - sab * say) / det };
}

/**
 * Least squares on relative error: minimises Σ ((predict − real) / real)², so a 100-token document weighs as
 * much as a 2,000-token one and the fit is not dominated by the longest files. Dividing the residual by real
 * keeps it linear in the factors: a = base·r/real, b = base·(1−r)/real, target 1.
 */
export function fitRelative(samples: readonly Sample[]): Factors {
  return leastSquares(samples.map(({ base, r, real }) => [(base * r) / real, (base * (1 - r)) / real, 1] as const));
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** Signed % error of an estimate, rounded the way the estimator rounds (at least 1 token). */
export function pctError(estimate: number, real: number): number {
  return ((Math.max(1, Math.round(estimate)) - real) / real) * 100;
}

/** Mean, p95 and max absolute error and the bias of a list of signed % errors. */
export function statsOfErrors(signed: readonly number[]): ErrorStats {
  const abs = signed.map(Math.abs).sort((x, y) => x - y);
  const mean = (values: readonly number[]): number =>
    values.length === 0 ? 0 : values.reduce((sum, value) => sum + value, 0) / values.length;
  return {
    n: signed.length,
    meanAbsPct: round(mean(abs), 2),
    p95AbsPct: round(percentile(abs, 95), 2),
    maxAbsPct: round(abs.length === 0 ? 0 : abs[abs.length - 1], 2),
    biasPct: round(mean(signed), 2),
  };
}

/** Rounds to `digits` decimals. */
export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
