/**
 * llm-mgr benchmarks (issue 7): every figure next to its floor measured in the same run, as a markdown table.
 *
 *   npx ts-node --transpile-only bench/run.ts [--quick] [--only P4[,P1…]]
 *
 * Timings never fail the run; a broken bench (exception, lost usage rows, PostgreSQL unreachable) exits non-zero.
 */
import { cpus, platform, release } from 'node:os';
import { startContext, type BenchContext } from './context';
import { benchGetUserLlm } from './p1-get-user-llm.bench';
import { benchModelCache } from './p1-model-cache.bench';
import { benchInvokeOverhead } from './p2-invoke-overhead.bench';
import { benchUsageRows } from './p3-usage-rows.bench';
import { benchTokenEstimate } from './p4-token-estimate.bench';
import { benchUsageStats } from './p5-usage-stats.bench';
import { benchGateway } from './p6-gateway.bench';
import { benchBudgetCheck } from './p7-budget-check.bench';
import { benchRateLimit } from './p8-rate-limit.bench';
import { fmt, ratio, type Figure } from './stats';

/** Each bench with the figure ids it prints; `--only P6` / `--only=P2,P6` runs those alone. */
const BENCHES: ReadonlyArray<readonly [string, (ctx: BenchContext) => Promise<Figure[]>]> = [
  ['P1', benchGetUserLlm], ['P1', benchModelCache], ['P2', benchInvokeOverhead], ['P3', benchUsageRows],
  ['P4', benchTokenEstimate], ['P5', benchUsageStats], ['P6', benchGateway], ['P7', benchBudgetCheck],
  ['P8', benchRateLimit],
];

/** The benches `--only P4,P5` (or `--only=P4,P5`) selects; all without the flag. */
function selected(argv: readonly string[]): typeof BENCHES {
  const at = argv.findIndex((arg) => arg === '--only' || arg.startsWith('--only='));
  if (at < 0) return BENCHES;
  const list = argv[at]!.startsWith('--only=') ? argv[at]!.slice('--only='.length) : (argv[at + 1] ?? '');
  const ids = list.toUpperCase().split(',');
  const picked = BENCHES.filter(([id]) => ids.includes(id));
  if (picked.length === 0) throw new Error(`--only ${list}: no such bench (P1–P8)`);
  return picked;
}

function table(figures: readonly Figure[], quick: boolean, seconds: number): string {
  const cpu = cpus();
  const lines = [
    `## llm-mgr bench (${quick ? 'quick' : 'full'}) — ${new Date().toISOString()}`,
    '',
    `Machine: ${cpu[0]?.model.trim() ?? 'unknown CPU'} × ${cpu.length}, ${platform()} ${release()}, node ${process.version}; ` +
      `SQLite (better-sqlite3) file in the temp dir; P5 also PostgreSQL on 127.0.0.1:5432; local fake upstream; ${seconds.toFixed(1)} s`,
    '',
    '| # | Figure | Value | Floor | Ratio | Goal | Met |',
    '|---|---|---:|---:|---:|---|---|',
    ...figures.map((f) =>
      `| ${f.id} | ${f.label} | ${fmt(f.value)} ${f.unit} | ${fmt(f.floor)} ${f.unit}${f.floorNote ? ` (${f.floorNote})` : ''} | ` +
        `${fmt(ratio(f))}× | ${f.goal ?? ''} | ${f.met === undefined ? '' : f.met ? 'yes' : '**no**'} |`),
    '',
    'Ratio = value / floor (for rows/s: floor / value), so above 1× means slower than the floor.',
    ...(quick ? ['', 'Quick run: counts too small (cold JIT, few samples) to judge goals; it only proves every bench still works.'] : []),
  ];
  return lines.join('\n');
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const started = Date.now();
  const ctx = await startContext(quick);
  const figures: Figure[] = [];
  try {
    for (const [, bench] of selected(process.argv)) {
      figures.push(...(await bench(ctx)));
      ctx.upstream.reset(); // the fake keeps every request; start each bench with an empty log
    }
  } finally {
    await ctx.close();
  }
  console.log(table(figures, quick, (Date.now() - started) / 1000));
}

main().catch((error: unknown) => {
  console.error('bench failed:', error);
  process.exit(1);
});
