/**
 * Which LangChain callback hooks fire, and with what usage, for each way a ChatOpenAI call can end.
 * Facts for usage tracking (LangChain core 1.4 / openai 1.5, handler passed to the ChatOpenAI constructor):
 *
 * | call ends by                      | handleChatModelStart | handleLLMNewToken     | handleLLMEnd | handleLLMError |
 * |-----------------------------------|----------------------|-----------------------|--------------|----------------|
 * | invoke                            | yes                  | no                    | yes, usage   | no             |
 * | invoke, upstream error            | yes                  | no                    | no           | yes            |
 * | stream, complete                  | yes                  | every chunk (+ usage) | yes, usage   | no             |
 * | stream, AbortSignal               | yes                  | until the abort       | no           | yes            |
 * | stream, aborted before 1st byte   | yes                  | no                    | no           | yes            |
 * | stream, server breaks connection  | yes                  | until the break       | no           | yes            |
 * | stream, consumer `break`s         | yes                  | until the break       | NO           | NO             |
 *
 * So a stream abandoned with `break` (or an iterator never drained) ends no run: a tracker that waits for
 * handleLLMEnd/handleLLMError leaks the run and loses its usage. `await model.stream()` itself resolves only once
 * the first chunk has arrived, and `break` closes the socket only when the next chunk arrives. Handlers run in the
 * background by default (LANGCHAIN_CALLBACKS_BACKGROUND), so `invoke()` can resolve before handleLLMEnd ran: pass
 * `_awaitHandler: true` or `await awaitAllCallbacks()` before reading what a handler recorded.
 */
import { BaseCallbackHandler } from '@langchain/core/callbacks/base';
import { awaitAllCallbacks } from '@langchain/core/callbacks/promises';
import { AIMessage, AIMessageChunk, type UsageMetadata } from '@langchain/core/messages';
import type { LLMResult } from '@langchain/core/outputs';
import { chatOpenAIFor } from './chat-openai-for';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream';
import { useNoNetworkGuard } from './no-network';

type Hook = 'start' | 'token' | 'end' | 'error';

class HookRecorder extends BaseCallbackHandler {
  name = 'hook-recorder';
  readonly hooks: Hook[] = [];
  readonly results: LLMResult[] = [];
  readonly errors: unknown[] = [];

  constructor() {
    super({ _awaitHandler: true });
  }

  override handleChatModelStart(): void {
    this.hooks.push('start');
  }

  override handleLLMNewToken(): void {
    this.hooks.push('token');
  }

  override handleLLMEnd(output: LLMResult): void {
    this.hooks.push('end');
    this.results.push(output);
  }

  override handleLLMError(error: unknown): void {
    this.hooks.push('error');
    this.errors.push(error);
  }

  /** The hooks with runs of `token` collapsed into one `tokens`, so assertions do not depend on chunk counts. */
  summary(): string[] {
    return this.hooks
      .map((hook) => (hook === 'token' ? 'tokens' : hook))
      .filter((hook, index, all) => hook !== 'tokens' || all[index - 1] !== 'tokens');
  }

  usageAtEnd(): UsageMetadata | undefined {
    const generation = this.results[0]?.generations[0]?.[0];
    if (generation === undefined || !('message' in generation)) return undefined;
    const message: unknown = generation.message;
    return AIMessage.isInstance(message) || AIMessageChunk.isInstance(message) ? message.usage_metadata : undefined;
  }
}

describe('LangChain callback hooks per outcome (constructor callbacks)', () => {
  let upstream: FakeUpstream;
  let recorder: HookRecorder;
  useNoNetworkGuard();

  beforeAll(async () => {
    upstream = await startFakeUpstream();
  });
  beforeEach(() => {
    recorder = new HookRecorder();
  });
  afterEach(() => upstream.reset());
  afterAll(() => upstream.close());

  const model = (name: string): ReturnType<typeof chatOpenAIFor> =>
    chatOpenAIFor(upstream, name, { callbacks: [recorder] });
  const usage = { prompt: 11, completion: 4 };
  const expectedUsage = { input_tokens: 11, output_tokens: 4, total_tokens: 15 };

  async function settle(): Promise<void> {
    await upstream.settled();
    await awaitAllCallbacks();
  }

  it('invoke: start then end, usage_metadata and llmOutput.tokenUsage at handleLLMEnd, no tokens', async () => {
    upstream.enqueue({ usage });
    await model('fake-chat').invoke('Hi');
    await settle();
    expect(recorder.summary()).toEqual(['start', 'end']);
    expect(recorder.usageAtEnd()).toMatchObject(expectedUsage);
    expect(recorder.results[0].llmOutput).toEqual({
      tokenUsage: { promptTokens: 11, completionTokens: 4, totalTokens: 15 },
    });
  });

  it('invoke failing upstream: start then error', async () => {
    await expect(model('fake-error-500').invoke('Hi')).rejects.toMatchObject({ status: 500 });
    await settle();
    expect(recorder.summary()).toEqual(['start', 'error']);
  });

  it('batch: one start and one end per prompt', async () => {
    await model('fake-chat').batch(['a', 'b']);
    await settle();
    expect(recorder.hooks.filter((hook) => hook === 'start')).toHaveLength(2);
    expect(recorder.hooks.filter((hook) => hook === 'end')).toHaveLength(2);
  });

  it('stream to the end: tokens for every chunk, usage_metadata reaches handleLLMEnd', async () => {
    upstream.enqueue({ usage });
    for await (const chunk of await model('fake-chat').stream('Hi')) expect(chunk).toBeDefined();
    await settle();
    expect(recorder.summary()).toEqual(['start', 'tokens', 'end']);
    expect(recorder.usageAtEnd()).toMatchObject(expectedUsage);
  });

  it('stream with cumulative usage: handleLLMEnd gets the final totals, not their sum', async () => {
    upstream.enqueue({ usage, chunkCount: 4 });
    for await (const chunk of await model('fake-cumulative-usage').stream('Hi')) expect(chunk).toBeDefined();
    await settle();
    expect(recorder.usageAtEnd()).toMatchObject(expectedUsage);
  });

  it('stream aborted by an AbortSignal: start, tokens, error; no end', async () => {
    const controller = new AbortController();
    const consume = async (): Promise<void> => {
      const stream = await model('fake-drip-60000').stream('Hi', { signal: controller.signal });
      for await (const chunk of stream) if (chunk) controller.abort();
    };
    // The consumer sees Error('Aborted'); the handler gets a different Error('AbortError').
    await expect(consume()).rejects.toThrow('Aborted');
    await settle();
    expect(recorder.summary()).toEqual(['start', 'tokens', 'error']);
    expect(recorder.errors).toEqual([new Error('AbortError')]);
    expect(upstream.chatRequests[0].outcome).toBe('client-disconnected');
  });

  it('stream aborted before the first byte: start, error; stream() itself rejects', async () => {
    const controller = new AbortController();
    const pending = model('fake-slow-60000').stream('Hi', { signal: controller.signal });
    await upstream.waitForRequests(1);
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);
    await settle();
    expect(recorder.summary()).toEqual(['start', 'error']);
    expect(upstream.chatRequests[0].outcome).toBe('client-disconnected');
  });

  it('stream broken by the server: start, tokens, error; no end', async () => {
    const consume = async (): Promise<void> => {
      for await (const chunk of await model('fake-disconnect-3').stream('Hi')) expect(chunk).toBeDefined();
    };
    await expect(consume()).rejects.toThrow(/terminated/);
    await settle();
    expect(recorder.summary()).toEqual(['start', 'tokens', 'error']);
    expect(recorder.errors).toEqual([expect.objectContaining({ name: 'TypeError', message: 'terminated' })]);
  });

  it('stream abandoned with break: start and tokens only; neither end nor error ever fires', async () => {
    // `break` is not immediate: LangChain's stream wrapper is already awaiting the next chunk, and the socket only
    // closes once that chunk arrives (so a stalled upstream would hold it); an AbortSignal is the prompt way out.
    for await (const chunk of await model('fake-drip-200').stream('Hi')) if (chunk) break;
    await settle();
    expect(recorder.summary()).toEqual(['start', 'tokens']);
    expect(upstream.chatRequests[0]).toMatchObject({ outcome: 'client-disconnected', chunksSent: 2 });
  });

  it('handlers run in the background by default: invoke resolves before a slow handleLLMEnd finishes', async () => {
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const ended: string[] = [];
    const slowHandler = {
      handleLLMEnd: async (): Promise<void> => {
        await gate;
        ended.push('end');
      },
    };
    await chatOpenAIFor(upstream, 'fake-chat', { callbacks: [slowHandler] }).invoke('Hi');
    expect(ended).toEqual([]);
    openGate();
    await awaitAllCallbacks();
    expect(ended).toEqual(['end']);
  });
});
