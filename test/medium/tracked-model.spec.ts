import { useTrackedModels } from '../support/tracked-models';
import { JSON_SCHEMA_SAMPLE_INPUT } from '../support/tracked-model-fixtures';

describe('tracked models record exactly one usage row per call', () => {
  const t = useTrackedModels();

  it('invoke, stream, batch, bindTools and withStructuredOutput all record usage', async () => {
    const llm = await t.spec('chat', 'agent_muse');
    t.upstream.enqueue({ usage: { prompt: 11, completion: 7 } });
    const reply = await llm.invoke('Hello there');
    expect(reply.usage_metadata).toMatchObject({ input_tokens: 11, output_tokens: 7 });

    let streamed = '';
    for await (const chunk of await llm.stream('Stream this please')) streamed += String(chunk.content);
    expect(streamed).toBe('Echo: Stream this please');

    expect(await llm.batch(['one', 'two', 'three'])).toHaveLength(3);

    const withTools = llm.bindTools([
      { type: 'function', function: { name: 'lookup', description: 'Look up', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } } },
    ]);
    const toolReply = await withTools.invoke('use the tool');
    expect(toolReply.tool_calls?.[0]?.name).toBe('lookup');

    const structured = llm.withStructuredOutput(JSON_SCHEMA_SAMPLE_INPUT);
    expect(await structured.invoke('give me json')).toEqual(expect.objectContaining({}));

    const logged = await t.rows();
    expect(logged).toHaveLength(7);
    expect(logged.every((r) => r.success && r.outcome === 'ok' && r.agentName === 'agent_muse' && r.userId === '-1')).toBe(true);
    expect(logged.every((r) => r.promptTokens > 0 && r.completionTokens > 0 && r.totalTokens === r.promptTokens + r.completionTokens)).toBe(true);
    expect(logged[0]).toMatchObject({ usageSource: 'both', reportedPromptTokens: 11, reportedCompletionTokens: 7 });
    const total = await llm.getUsageTotal();
    expect(total).toMatchObject({
      tokens: logged.reduce((s, r) => s + r.totalTokens, 0),
      prompt_tokens: logged.reduce((s, r) => s + r.promptTokens, 0),
      completion_tokens: logged.reduce((s, r) => s + r.completionTokens, 0),
      requests: 7,
      errors: 0,
    });
    // The fake reports usage on every call: each row holds both counts, so the model's drift covers all seven.
    expect(total.estimate_drift).toMatchObject({ rows: 7, reported_prompt_tokens: logged.reduce((s, r) => s + r.reportedPromptTokens!, 0) });
    expect((await llm.getUsageLast24h()).requests).toBe(7);
    expect((await llm.getUsageByRange(new Date(0), new Date(1))).requests).toBe(0);
  });

  it('records upstream errors (success = 0), server cuts, aborts and abandoned streams once each', async () => {
    const broken = await t.spec('broken');
    await expect(broken.invoke('fail')).rejects.toThrow();
    await expect((async () => {
      for await (const _ of await broken.stream('fail')) {
        // never reached
      }
    })()).rejects.toThrow();

    const cut = await t.spec('cut');
    await expect((async () => {
      for await (const _ of await cut.stream('cut me off')) {
        // the server goes away after two chunks
      }
    })()).rejects.toThrow();

    const slow = await t.spec('slow');
    const controller = new AbortController();
    await expect((async () => {
      for await (const _ of await slow.stream('abort me', { signal: controller.signal })) controller.abort();
    })()).rejects.toThrow();

    for await (const _ of await slow.stream('abandon me')) break;

    await t.upstream.settled();
    const logged = await t.rows();
    expect(logged.map((r) => [r.outcome, r.success])).toEqual([
      ['error', false],
      ['error', false],
      ['error', false],
      ['aborted', true],
      ['abandoned', true],
    ]);
    expect(logged[0].totalTokens).toBe(0);
    expect(logged[2].promptTokens).toBeGreaterThan(0);
    expect(logged[2].completionTokens).toBeGreaterThan(0);
    expect(await broken.getUsageTotal()).toMatchObject({ requests: 2, errors: 2 });
  });

  it('bills the provider-reported count when asked, counting cumulative usage once; estimates when none is sent', async () => {
    await t.restart({ billedUsage: 'reported' });
    t.upstream.enqueue({ usage: { prompt: 30, completion: 12, reasoning: 5 } });
    for await (const _ of await (await t.spec('cumulative')).stream('count me once')) {
      // drain
    }
    for await (const _ of await (await t.spec('silent')).stream('no usage from me')) {
      // drain
    }
    const [cumulative, silent] = await t.rows();
    expect(cumulative).toMatchObject({ usageSource: 'both', promptTokens: 30, completionTokens: 12, reasoningTokens: 5, totalTokens: 42 });
    expect(silent).toMatchObject({ usageSource: 'estimated', reportedPromptTokens: null });
    expect(silent.totalTokens).toBeGreaterThan(0);
  });

  it('loses no row under concurrency, and none on app.close(); counts survive a reopen', async () => {
    const N = 40;
    const chat = await t.spec('chat');
    const broken = await t.spec('broken');
    const slow = await t.spec('slow');
    const calls: Array<Promise<unknown>> = [];
    for (let i = 0; i < N; i += 1) {
      calls.push(chat.invoke(`ok ${i}`));
      calls.push(broken.invoke(`err ${i}`).catch(() => 'failed'));
      const controller = new AbortController();
      calls.push(
        (async () => {
          for await (const _ of await slow.stream(`abort ${i}`, { signal: controller.signal })) controller.abort();
        })().catch(() => 'aborted'),
      );
      calls.push(
        (async () => {
          for await (const _ of await slow.stream(`abandon ${i}`)) break;
        })(),
      );
    }
    await Promise.all(calls);
    await t.upstream.settled();
    await t.restart();
    const logged = await t.rows();
    const count = (outcome: string): number => logged.filter((r) => r.outcome === outcome).length;
    expect(logged).toHaveLength(4 * N);
    expect([count('ok'), count('error'), count('aborted'), count('abandoned')]).toEqual([N, N, N, N]);
    expect(logged.filter((r) => !r.success)).toHaveLength(N);
  });
});
