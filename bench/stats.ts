/** Small timing helpers shared by the benchmarks (no dependencies, milliseconds everywhere). */
import { performance } from 'node:perf_hooks';

export interface Figure {
  readonly id: string;
  readonly label: string;
  readonly value: number;
  readonly floor: number;
  readonly unit: string;
  /** true when bigger is better (throughput): the ratio is then floor / value, so > 1× always means slower. */
  readonly higherIsBetter?: boolean;
  readonly goal?: string;
  /** Whether the goal is met; undefined for figures shown for context only. */
  readonly met?: boolean;
  /** What the floor is, when the label does not say. */
  readonly floorNote?: string;
}

export const now = (): number => performance.now();

export function mean(samples: readonly number[]): number {
  return samples.length === 0 ? 0 : samples.reduce((sum, x) => sum + x, 0) / samples.length;
}

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return 0;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Mean ms per call of a synchronous or async body, after `warmup` untimed calls. */
export async function meanMs(iterations: number, body: (i: number) => unknown, warmup = Math.min(50, iterations)): Promise<number> {
  for (let i = 0; i < warmup; i++) await body(i);
  const start = now();
  for (let i = 0; i < iterations; i++) await body(i);
  return (now() - start) / iterations;
}

/** Runs `total` jobs with at most `concurrency` in flight; returns each job's latency in ms. */
export async function pool(total: number, concurrency: number, job: (i: number) => Promise<unknown>): Promise<number[]> {
  const latencies: number[] = new Array<number>(total);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const start = now();
      await job(i);
      latencies[i] = now() - start;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return latencies;
}

export function ratio(figure: Figure): number {
  if (figure.higherIsBetter) return figure.value === 0 ? Infinity : figure.floor / figure.value;
  return figure.floor === 0 ? Infinity : figure.value / figure.floor;
}

export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 100) return x.toFixed(0);
  if (Math.abs(x) >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}
