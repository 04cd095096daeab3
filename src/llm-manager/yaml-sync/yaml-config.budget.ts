import { isMap, isScalar } from 'yaml';

import { autoKeyBudgetProblem, type AutoKeyBudget } from '../budgets/auto-key-budget';
import type { YamlEntry, YamlNodeReader } from './yaml-config.reader';

const FIELDS = ['limit_usd', 'period', 'time_zone', 'hard'] as const;
const EXAMPLE = 'write auto_key_budget: { limit_usd: 5, period: day, time_zone: Asia/Shanghai, hard: true }.';

/**
 * `auto_key_budget:` — the budget of every user who spends the system's keys through LLM_AUTO_KEY (issue 16). The
 * `autoKeyBudget` option of `forRoot()` wins over it.
 */
export function readYamlAutoKeyBudget(field: YamlEntry, reader: YamlNodeReader): AutoKeyBudget | null {
  if (field.value === null) return null;
  if (!isMap(field.value)) {
    return reader.report.fail(field.value, field.path, `'auto_key_budget' must be a mapping, not ${reader.describe(field.value)}.`, EXAMPLE);
  }
  const fields = reader.fields(reader.entries(field.value, field.path), FIELDS, "'auto_key_budget'");
  const scalar = (name: (typeof FIELDS)[number]): unknown => {
    const value = fields[name]?.value;
    return value !== undefined && isScalar(value) ? value.value : fields[name] === undefined ? undefined : Symbol.for('not-a-scalar');
  };
  const budget = {
    limitUsd: scalar('limit_usd'),
    period: scalar('period'),
    ...(fields.time_zone === undefined ? {} : { timeZone: scalar('time_zone') }),
    ...(fields.hard === undefined ? {} : { hard: scalar('hard') }),
  } as Partial<AutoKeyBudget>;
  const problem = autoKeyBudgetProblem(budget);
  if (problem !== null) {
    const at = fields[problemField(problem)] ?? field;
    return reader.report.fail(at.value ?? at.spot, at.path, `'auto_key_budget': ${problem.replace(/^limit/, 'limit_usd').replace(/^time zone/, 'time_zone')}`, EXAMPLE);
  }
  return budget as AutoKeyBudget;
}

function problemField(problem: string): (typeof FIELDS)[number] {
  if (problem.startsWith('limit')) return 'limit_usd';
  if (problem.startsWith('period')) return 'period';
  if (problem.startsWith('time zone')) return 'time_zone';
  return 'hard';
}
