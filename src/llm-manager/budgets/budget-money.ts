/** Budgets count integer micro-USD; the API speaks USD. */
export const MICRO_PER_USD = 1_000_000;

export const toMicroUsd = (usd: number): number => Math.round(usd * MICRO_PER_USD);
export const toUsd = (microUsd: number): number => microUsd / MICRO_PER_USD;
