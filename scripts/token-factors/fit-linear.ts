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
  /** Reweighting rounds that turn least squares into least absolute error. */
  readonly rounds: number;
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
 * file. The ridge term is scaled per feature by its root mean square, so it means the same for token counts and
 * character counts; a feature absent from the corpus stays at its prior.
 */
export function fitLinear(samples: readonly LinearSample[], options: LinearFitOptions): number[] {
  const n = options.prior.length;
  const rows = samples.map((s) => Array.from({ length: n }, (_, k) => s.x[k] / s.real));
  const scale = Array.from({ length: n }, (_, k) => {
    const rms = Math.sqrt(rows.reduce((sum, row) => sum + row[k] * row[k], 0) / rows.length);
    return rms > 0 ? rms : 1;
  });
  const ridge = scale.map((s) => options.lambda * rows.length * s * s);
  let weights = rows.map(() => 1);
  let w = [...options.prior];
  for (let round = 0; round < options.rounds; round++) {
    const m = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (__, j) => (i === j ? ridge[i] : 0)));
    const v = ridge.map((r, i) => r * options.prior[i]);
    rows.forEach((row, s) => {
      const ws = weights[s];
      for (let i = 0; i < n; i++) {
        if (row[i] === 0) continue;
        v[i] += ws * row[i];
        for (let j = 0; j < n; j++) m[i][j] += ws * row[i] * row[j];
      }
    });
    w = solve(m, v);
    weights = rows.map((row) => 1 / Math.max(1e-3, Math.abs(row.reduce((sum, value, k) => sum + value * w[k], 0) - 1)));
  }
  return w;
}
