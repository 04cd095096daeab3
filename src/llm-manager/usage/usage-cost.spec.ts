import { costMicroUsd, type ModelPrice } from './usage-cost';

const price = (inputPrice: number | null, outputPrice: number | null, cachedInputPrice: number | null = null): ModelPrice => ({
  inputPrice,
  cachedInputPrice,
  outputPrice,
});
const row = (promptTokens: number, completionTokens: number, cachedPromptTokens = 0) => ({ promptTokens, completionTokens, cachedPromptTokens });

describe('costMicroUsd', () => {
  it('prices prompt and completion per 1M tokens, in micro-USD', () => {
    // 1,000 × $0.28/1M + 500 × $0.42/1M = $0.00028 + $0.00021 = 490 µUSD
    expect(costMicroUsd(row(1000, 500), price(0.28, 0.42))).toBe(490);
  });

  it('prices cached prompt tokens at the cached price, once, out of the prompt', () => {
    // 800 cached of 1,000: 200 × 2 + 800 × 0.5 + 100 × 8 = 400 + 400 + 800
    expect(costMicroUsd(row(1000, 100, 800), price(2, 8, 0.5))).toBe(1600);
  });

  it('prices cached tokens at the input price when no cached price is set', () => {
    expect(costMicroUsd(row(1000, 0, 800), price(2, 8))).toBe(2000);
  });

  it('never goes negative when a provider reports more cached tokens than prompt tokens', () => {
    expect(costMicroUsd(row(100, 0, 500), price(2, 8, 1))).toBe(100);
  });

  it('rounds the sum once, so small calls are not rounded to zero token by token', () => {
    expect(costMicroUsd(row(3, 1), price(0.3, 0.3))).toBe(1);
  });

  it('gives no cost (unpriced) when the input or output price is missing', () => {
    expect(costMicroUsd(row(10, 10), null)).toBeNull();
    expect(costMicroUsd(row(10, 10), price(null, 1))).toBeNull();
    expect(costMicroUsd(row(10, 10), price(1, null))).toBeNull();
  });
});
