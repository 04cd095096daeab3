/**
 * P7 (issue 16): the budget check on the call path — the reservation of one call's estimate (one statement on SQLite
 * and PostgreSQL, a two-statement transaction on MySQL/MariaDB: BudgetReserveStatement) — against one bare single-row
 * INSERT commit on the same database, in alternating rounds (the disk is shared): medians of the round means. Goal
 * ≤ 1.5×. SQLite by default; `LLM_MGR_TEST_DB=postgres|mariadb` runs it on a server engine of the test setup. A user
 * without a budget costs no query at all (the budget-enforcement spec asserts it; P2 runs without budgets).
 */
import type { DataSource } from 'typeorm';
import { BudgetGate } from '../src/llm-manager/budgets/budget-gate';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../src/llm-manager/database/database.providers';
import { UsageSqlDialect } from '../src/llm-manager/usage/usage-sql-dialect';
import type { BenchContext } from './context';
import { meanMs, percentile, type Figure } from './stats';

const GOAL = 1.5;

export async function benchBudgetCheck(ctx: BenchContext): Promise<Figure[]> {
  const perRound = ctx.quick ? 50 : 300;
  const rounds = 10;
  const db = ctx.moduleRef.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);
  const gate = ctx.moduleRef.get(BudgetGate);
  await ctx.manager.setBudget({ userId: 'p7-user', limitUsd: 1e9, period: 'month' });
  const scope = { userId: 'p7-user', usageKey: 'main', tokenId: null };
  const estimate = async (): Promise<number> => 1000;
  let held = 0;
  const check = async (): Promise<void> => {
    const admission = gate.admit(scope, estimate);
    if (admission === null || (await admission) === null) throw new Error('P7: the budget did not apply');
    held += 1;
  };
  await check(); // loads the budget definitions once
  const usageTable = UsageSqlDialect.usageTable(db);
  const checkRounds: number[] = [];
  const commitRounds: number[] = [];
  for (let round = 0; round < rounds; round++) {
    checkRounds.push(await meanMs(perRound, check, 0));
    commitRounds.push(await meanMs(perRound, () => db.query(
      `INSERT INTO ${usageTable} (user_id, prompt_tokens, completion_tokens, total_tokens, success, created_at) VALUES ('p7-commit', 0, 0, 0, 1, '2026-01-01 00:00:00')`,
    ), 0));
  }
  if (held !== 1 + rounds * perRound) throw new Error(`P7: ${held} reservations, wanted ${1 + rounds * perRound}`);
  const value = percentile(checkRounds, 50);
  const floor = percentile(commitRounds, 50);
  return [
    {
      id: 'P7', label: `budget check (reserve one call, ${db.options.type}; median of ${rounds} rounds)`, value, floor, unit: 'ms/call',
      goal: `≤ ${GOAL}×`, met: value <= floor * GOAL, floorNote: 'one bare INSERT commit',
    },
  ];
}
