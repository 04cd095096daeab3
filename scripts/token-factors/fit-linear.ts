/**
 * The fit behind the per-class factors: real ≈ Σ w_k · x_k over a passage's features (tokens and characters per
 * o200k token class), minimising the mean absolute % error with a light ridge pull towards a prior.
 */

/** One passage as the fit sees it. */
export interface LinearSample {
  readonly x: ArrayLike<number>;
  readonly real: number;
}

/** How the fit is regularised. */
export interface LinearFitOptions {
  /** What each weight is pulled towards; a class the corpus barely has keeps about this value. */
  readonly prior: readonly number[];
  /** Strength of the pull, relative to the data term (0.01: weights move freely where the corpus has evidence). */
  readonly lambda: number;
  /**
   * Per feature, the smallest scale the pull is measured in. A feature the corpus barely holds (Japanese kana in a
   * few passages) has a tiny root mean square; without this floor the pull on it would vanish and its weight could
   * take any value, even a negative one, that fits those few passages.
   */
  readonly minScale: readonly number[];
  /** Reweighting rounds that turn least squares into least absolute error. */
  readonly rounds: number;
  /** Every weight is kept at or above this value (active set: a weight that falls below is pinned to it). */
  readonly lowerBound: number;
}

/** Solves the square system `m · w = v` by Gaussian elimination with partial pivoting (m and v are overwritten). */
export function solve(m: number[][], v: number[]): number[] {
  const n = v.length;
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) if (Math.abs(m[row][col]) > Math.abs(m[pivot][col])) pivot = row;
    if (Math.abs(m[pivot][col]) < 1e-12) throw new Error(`singular system at column ${col}`);
    [m[col], m[pivot]] = [m[pivot], m[col]];
    [v[col], v[pivot]] = [v[pivot], v[col]];
    for (let row = col + 1; row < n; row++) {
      const f = m[row][col] / m[col][col];
      for (let k = col; k < n; k++) m[row][k] -= f * m[col][k];
      v[row] -= f * v[col];
    }
  }
  const w = new Array<number>(n).fill(0);
  for (let row = n - 1; row >= 0; row--) {
    let sum = v[row];
    for (let k = row + 1; k < n; k++) sum -= m[row][k] * w[k];
    w[row] = sum / m[row][row];
  }
  return w;
}

/**
 * Minimises Σ |x·w − real| / real + ridge by iteratively reweighted least squares. Each residual is taken relative
 * to the real count (a row is x/real against a target of 1), so a 200-token prompt weighs as much as a 3,000-token
 * file. The ridge term is scaled per feature by its root mean square (at least `minScale`), so it means the same
 * for token counts and character counts, and a feature the corpus barely holds stays near its prior.
 */
export function fitLinear(samples: readonly LinearSample[], options: LinearFitOptions): number[] {
  const n = options.prior.length;
  const rows = samples.map((s) => Array.from({ length: n }, (_, k) => s.x[k] / s.real));
  const scale = Array.from({ length: n }, (_, k) => {
    const rms = Math.sqrt(rows.reduce((sum, row) => sum + row[k] * row[k], 0) / rows.length);
    return Math.max(rms, options.minScale[k]);
  });
  const ridge = scale.map((s) => options.lambda * rows.length * s * s);
  let weights = rows.map(() => 1);
  let w = [...options.prior];
  for (let round = 0; round < options.rounds; round++) {
    w = solveBounded(rows, weights, ridge, options);
    weights = rows.map((row) => 1 / Math.max(1e-3, Math.abs(row.reduce((sum, value, k) => sum + value * w[k], 0) - 1)));
  }
  return w;
}

/**
 * One weighted ridge least-squares solve with every weight ≥ lowerBound: solve, pin the weight furthest below the
 * bound to it, solve again for the rest, until none is below.
 */
function solveBounded(rows: readonly number[][], weights: readonly number[], ridge: readonly number[], options: LinearFitOptions): number[] {
  const n = options.prior.length;
  const pinned = new Set<number>();
  for (;;) {
    const free = Array.from({ length: n }, (_, k) => k).filter((k) => !pinned.has(k));
    const m = free.map((i) => free.map((j) => (i === j ? ridge[i] : 0)));
    const v = free.map((i) => ridge[i] * options.prior[i]);
    rows.forEach((row, s) => {
      const ws = weights[s];
      let target = 1;
      for (const k of pinned) target -= row[k] * options.lowerBound;
      free.forEach((i, a) => {
        if (row[i] === 0) return;
        v[a] += ws * row[i] * target;
        free.forEach((j, b) => (m[a][b] += ws * row[i] * row[j]));
      });
    });
    const solved = solve(m, v);
    const w = Array.from({ length: n }, () => options.lowerBound);
    free.forEach((k, a) => (w[k] = solved[a]));
    const worst = free.reduce((lowest, k) => (w[k] < options.lowerBound && (lowest < 0 || w[k] < w[lowest]) ? k : lowest), -1);
    if (worst < 0) return w;
    pinned.add(worst);
  }
}
