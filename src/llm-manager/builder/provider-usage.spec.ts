import { AIMessage } from '@langchain/core/messages';
import { reportedUsageOf } from './provider-usage';

const withRawUsage = (usage: Record<string, unknown>): AIMessage => new AIMessage({ content: '', response_metadata: { usage } });

describe('reportedUsageOf', () => {
  it('reads OpenAI, DeepSeek and Kimi cache fields and OpenAI reasoning details', () => {
    expect(
      reportedUsageOf(withRawUsage({ prompt_tokens: 40, completion_tokens: 20, prompt_tokens_details: { cached_tokens: 32 }, completion_tokens_details: { reasoning_tokens: 8 } })),
    ).toEqual({ prompt: 40, completion: 20, cachedPrompt: 32, reasoning: 8 });
    expect(reportedUsageOf(withRawUsage({ prompt_tokens: 50, completion_tokens: 10, prompt_cache_hit_tokens: 30, prompt_cache_miss_tokens: 20 }))).toMatchObject({ cachedPrompt: 30 });
    expect(reportedUsageOf(withRawUsage({ prompt_tokens: 64, completion_tokens: 16, cached_tokens: 48 }))).toMatchObject({ cachedPrompt: 48 });
  });

  it('clamps parts to their whole, so no count can turn negative downstream (New API #5005)', () => {
    expect(
      reportedUsageOf(withRawUsage({ prompt_tokens: 10, completion_tokens: 5, prompt_cache_hit_tokens: 99, completion_tokens_details: { reasoning_tokens: 50 } })),
    ).toEqual({ prompt: 10, completion: 5, cachedPrompt: 10, reasoning: 5 });
  });

  it("falls back to LangChain's usage_metadata (Responses API) and answers null when nothing was reported", () => {
    const responses = new AIMessage({
      content: '',
      usage_metadata: { input_tokens: 7, output_tokens: 3, total_tokens: 10, input_token_details: { cache_read: 4 }, output_token_details: { reasoning: 1 } },
    });
    expect(reportedUsageOf(responses)).toEqual({ prompt: 7, completion: 3, cachedPrompt: 4, reasoning: 1 });
    expect(reportedUsageOf(withRawUsage({}))).toBeNull();
    expect(reportedUsageOf(new AIMessage('no usage'))).toBeNull();
  });
});
