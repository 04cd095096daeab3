import type { BaseLanguageModelInput } from '@langchain/core/language_models/base';
import { AIMessage, HumanMessage, ToolMessage, type AIMessageChunk, type BaseMessage } from '@langchain/core/messages';
import type { Runnable } from '@langchain/core/runnables';
import type { ChatScript, JsonObject } from '../support/fake-upstream';
import { useTrackedModels } from '../support/tracked-models';

const WEATHER_TOOL = {
  type: 'function' as const,
  function: { name: 'weather', description: 'Weather of a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

describe('every usage shape the providers send lands in the row (issue 15)', () => {
  const t = useTrackedModels();

  async function drain(llm: Runnable<BaseLanguageModelInput, AIMessageChunk>, input: BaseLanguageModelInput): Promise<AIMessageChunk> {
    let reply: AIMessageChunk | undefined;
    for await (const chunk of await llm.stream(input)) reply = reply ? reply.concat(chunk) : chunk;
    return reply!;
  }

  const assistantMessages = (index: number): JsonObject[] =>
    ((t.upstream.chatRequests[index].body?.['messages'] ?? []) as JsonObject[]).filter((m) => m['role'] === 'assistant');

  it('OpenAI cached_tokens and reasoning_tokens, in a reply and in the last chunk of a stream', async () => {
    const usage = { prompt: 40, completion: 20, reasoning: 8, cached: 32 };
    t.upstream.enqueue({ usage }, { usage });
    const chat = await t.spec('chat');
    await chat.invoke('cached please');
    await drain(chat, 'cached stream please');
    const logged = await t.rows();
    for (const row of logged) {
      expect(row).toMatchObject({ usageSource: 'both', cachedPromptTokens: 32, reportedPromptTokens: 40, reportedCompletionTokens: 20 });
      expect(row.estimatedPromptTokens).toBe(row.promptTokens);
      expect(row.estimatedCompletionTokens).toBe(row.completionTokens);
    }
    expect(t.upstream.chatRequests[1].body?.['stream_options']).toEqual({ include_usage: true });
  });

  it("DeepSeek's prompt_cache_hit_tokens, which LangChain's usage_metadata misses", async () => {
    t.upstream.enqueue(
      { usage: { prompt: 50, completion: 10, cached: 30, shape: 'deepseek' } },
      { usage: { prompt: 50, completion: 10, cached: 30, shape: 'deepseek' }, streamUsage: 'with-finish' },
    );
    const chat = await t.spec('chat');
    await chat.invoke('deepseek cache');
    await drain(chat, 'deepseek cache, streamed');
    expect((await t.rows()).map((r) => [r.cachedPromptTokens, r.reportedPromptTokens])).toEqual([
      [30, 50],
      [30, 50],
    ]);
  });

  it("Kimi's usage inside choices[0].usage of a stream chunk, with its top-level cached_tokens", async () => {
    await t.restart({ billedUsage: 'reported' });
    t.upstream.enqueue({ usage: { prompt: 64, completion: 16, cached: 48, shape: 'kimi' }, streamUsage: 'in-choice' });
    await drain(await t.spec('chat'), 'kimi streams its usage oddly');
    const [row] = await t.rows();
    expect(row).toMatchObject({ usageSource: 'both', promptTokens: 64, completionTokens: 16, totalTokens: 80, cachedPromptTokens: 48 });
  });

  it('usage repeated cumulatively on every chunk is counted once; a reply without usage falls back to the estimate', async () => {
    await t.restart({ billedUsage: 'reported' });
    t.upstream.enqueue({ usage: { prompt: 30, completion: 12, reasoning: 4, cached: 10 }, streamUsage: 'cumulative' }, { usage: 'none' });
    const chat = await t.spec('chat');
    await drain(chat, 'count me once');
    await chat.invoke('nothing reported');
    const [cumulative, silent] = await t.rows();
    expect(cumulative).toMatchObject({ usageSource: 'both', promptTokens: 30, completionTokens: 12, reasoningTokens: 4, cachedPromptTokens: 10 });
    expect(silent).toMatchObject({ usageSource: 'estimated', reportedPromptTokens: null, cachedPromptTokens: 0 });
    expect(silent.promptTokens).toBe(silent.estimatedPromptTokens);
    expect(silent.promptTokens).toBeGreaterThan(0);
  });

  it('reasoning_content reaches the message in invoke and stream, and its tokens are counted once', async () => {
    const thinking = await t.spec('thinking');
    const reply = await thinking.invoke('think');
    const streamed = await drain(thinking, 'think aloud');
    expect(reply.additional_kwargs['reasoning_content']).toBe('Let me think this through step by step.');
    expect(streamed.additional_kwargs['reasoning_content']).toBe('Let me think this through step by step.');
    for (const row of await t.rows()) {
      // Reasoning is part of the completion, once: what is left is the short answer ("Echo: think"), shorter than the
      // reasoning; counted twice, the rest would hold the reasoning again and be longer.
      expect(row.reasoningTokens).toBeGreaterThan(0);
      expect(row.completionTokens).toBeGreaterThan(row.reasoningTokens);
      expect(row.completionTokens - row.reasoningTokens).toBeLessThan(row.reasoningTokens);
    }
  });

  it("sends reasoning_content back on tool-call turns, as DeepSeek's thinking mode demands, and not across plain turns", async () => {
    const rule: ChatScript = { reasoning: 'I need the weather tool.', requireReasoningBack: true };
    t.upstream.enqueue(rule, { ...rule, reasoning: 'Now I can answer.', toolCall: false }, { ...rule, reasoning: 'Again.', toolCall: false });
    const llm = (await t.spec('thinking')).bindTools([WEATHER_TOOL]);
    const question = new HumanMessage('Weather in Paris?');
    const call = (await llm.invoke([question])) as AIMessage;
    expect(call.additional_kwargs['reasoning_content']).toBe('I need the weather tool.');
    const result = new ToolMessage({ content: 'Sunny', tool_call_id: call.tool_calls![0].id! });
    const answer = await drain(llm, [question, call, result]);
    expect(answer.additional_kwargs['reasoning_content']).toBe('Now I can answer.');
    expect(assistantMessages(1)).toEqual([expect.objectContaining({ reasoning_content: 'I need the weather tool.' })]);

    // A later user turn: the tool-call turn still carries its reasoning; a turn without tools does not.
    const plain = new AIMessage({ content: 'Hello!', additional_kwargs: { reasoning_content: 'Just greet.' } });
    await llm.invoke([question, call, result, answer, new HumanMessage('Hi'), plain, new HumanMessage('Thanks')]);
    const sent = assistantMessages(2);
    expect(sent.map((m) => m['reasoning_content'])).toEqual(['I need the weather tool.', 'Now I can answer.', undefined]);
    expect((await t.rows()).map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok']);
  });

  it('counts reasoning sent back on a tool-call turn in the prompt estimate, as the provider bills it', async () => {
    const llm = (await t.spec('thinking')).bindTools([WEATHER_TOOL]);
    const conversation = (reasoning?: string): BaseMessage[] => [
      new HumanMessage('Weather in Paris?'),
      new AIMessage({
        content: '',
        tool_calls: [{ id: 'call_1', name: 'weather', args: { city: 'Paris' } }],
        additional_kwargs: reasoning === undefined ? {} : { reasoning_content: reasoning },
      }),
      new ToolMessage({ content: 'Sunny', tool_call_id: 'call_1' }),
    ];
    t.upstream.scriptModel('fake-reasoning', { toolCall: false });
    await llm.invoke(conversation());
    await llm.invoke(conversation('I should look the weather up before answering. '.repeat(20)));
    const [without, withReasoning] = await t.rows();
    // 940 characters of English: some 200 tokens more.
    expect(withReasoning.estimatedPromptTokens! - without.estimatedPromptTokens!).toBeGreaterThan(150);
    expect(withReasoning.estimatedPromptTokens! - without.estimatedPromptTokens!).toBeLessThan(300);
  });

  it('concurrent conversations each send back their own reasoning', async () => {
    const llm = (await t.spec('thinking')).bindTools([WEATHER_TOOL]);
    const turn = (city: string): BaseMessage[] => {
      const call = new AIMessage({
        content: '',
        tool_calls: [{ id: `call_${city}`, name: 'weather', args: { city } }],
        additional_kwargs: { reasoning_content: `reasoning for ${city}` },
      });
      return [new HumanMessage(`Weather in ${city}?`), call, new ToolMessage({ content: 'Sunny', tool_call_id: `call_${city}` })];
    };
    t.upstream.scriptModel('fake-reasoning', { requireReasoningBack: true, toolCall: false });
    await Promise.all(['Paris', 'Rome', 'Oslo'].map((city) => llm.invoke(turn(city))));
    for (const request of t.upstream.chatRequests) {
      const messages = request.body?.['messages'] as JsonObject[];
      const city = String(messages[0]['content']).slice('Weather in '.length, -1);
      expect(messages[1]['reasoning_content']).toBe(`reasoning for ${city}`);
    }
  });
});
