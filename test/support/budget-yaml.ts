import { SYSTEM_KEY_ENV } from './upstream-yaml';

/** What every call on `BUDGET_YAML`'s priced models costs: 100 completion tokens at $10 per 1M, input free. */
export const CALL_MICRO_USD = 1000;

/** The usage every budget spec scripts for its calls, so each costs exactly `CALL_MICRO_USD`. */
export const CALL_USAGE = { prompt: 3, completion: 100 } as const;

/**
 * Platforms for the budget specs: with `budgetCompletionAllowance: 100` a call's estimate equals its cost, so a
 * budget of N × `CALL_MICRO_USD` fits exactly N calls. `free` is unpriced; `slow` answers through `fake-slow`.
 */
export function budgetYaml(url: string): string {
  return `
platforms:
  Fake:
    base_url: ${url}
    api_key: '{${SYSTEM_KEY_ENV}}'
    models:
      priced: { model_name: fake-chat, input_price: 0, output_price: 10 }
      slow: { model_name: fake-slow, input_price: 0, output_price: 10 }
      free: fake-chat
usages:
  main: { platform: Fake, model: priced }
  slow: { platform: Fake, model: slow }
`;
}
