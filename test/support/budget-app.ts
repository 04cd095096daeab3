import type { TestingModule } from '@nestjs/testing';
import { CallRecorder } from '../../src/llm-manager/builder/call-recorder';
import type { LlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import { UsageWriter } from '../../src/llm-manager/usage/usage-writer';
import { SYSTEM_KEY, SYSTEM_KEY_ENV } from './upstream-yaml';

/**
 * The options every budget spec starts llm-mgr with (on `budgetYaml`): users borrow the system key, no retries, the
 * reported usage billed, and an allowance that makes a call's estimate equal its cost (`CALL_MICRO_USD`).
 */
export const BUDGET_OPTIONS = {
  env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY }, autoKey: true, maxRetries: 0, billedUsage: 'reported', budgetCompletionAllowance: 100,
} satisfies LlmManagerOptions;

/** Every call ended so far counted, its row written and its budget hold settled. */
export async function budgetsSettled(app: TestingModule): Promise<void> {
  await app.get(CallRecorder).drain();
  await app.get(UsageWriter).flush();
}
