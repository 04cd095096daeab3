import type { AIMessageChunk } from '@langchain/core/messages';
import type { TestingModule } from '@nestjs/testing';
import type { DataSource } from 'typeorm';
import { PlatformAdminService } from '../../src/llm-manager/admin/platform-admin.service';
import { CallRecorder } from '../../src/llm-manager/builder/call-recorder';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { ModelEntity } from '../../src/llm-manager/database/model.entity';
import { ModelPriceVersionEntity } from '../../src/llm-manager/database/model-price-version.entity';
import { UsageLogEntryEntity } from '../../src/llm-manager/database/usage-log-entry.entity';
import { SYSTEM_USER_ID } from '../../src/llm-manager/llm-manager.constants';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { UsageQueryService } from '../../src/llm-manager/usage/usage-query.service';
import { UsageWriter } from '../../src/llm-manager/usage/usage-writer';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { TempStore } from '../support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV } from '../support/upstream-yaml';

/** USD per 1M tokens: one micro-USD per token per dollar, so the expected costs below are plain products. */
const yaml = (url: string): string => `
platforms:
  Fake:
    base_url: ${url}
    api_key: '{${SYSTEM_KEY_ENV}}'
    models:
      priced: { model_name: fake-chat, input_price: 2, cached_input_price: 0.5, output_price: 8 }
      no-cached-price: { model_name: fake-chat, input_price: 2, output_price: 8 }
      thinking: { model_name: fake-reasoning, input_price: 1, output_price: 4 }
      free: fake-chat
`;

describe('cost of every call, stored when its row is recorded (issue 16)', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let store: TempStore;
  let app: TestingModule;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
  });
  afterAll(() => upstream.close());
  beforeEach(async () => {
    store = new TempStore(yaml(upstream.url));
    app = await store.start({ env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY }, maxRetries: 0, billedUsage: 'reported' });
  });
  afterEach(async () => {
    await app.close();
    store.remove();
    upstream.reset();
  });

  const model = (display: string) => app.get(LlmManagerService).getSpecSysLlm('Fake', display);
  const dataSource = (): DataSource => app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);
  const modelId = async (display: string): Promise<number> =>
    (await dataSource().getRepository(ModelEntity).findOneByOrFail({ displayName: display })).id;
  async function rows(): Promise<UsageLogEntryEntity[]> {
    await app.get(CallRecorder).drain();
    await app.get(UsageWriter).flush();
    return dataSource().getRepository(UsageLogEntryEntity).find({ order: { id: 'ASC' } });
  }
  async function drain(stream: AsyncIterable<AIMessageChunk>): Promise<void> {
    for await (const _chunk of stream) void _chunk;
  }

  it('prices a streamed call (not $0), cached tokens at the cached price, reasoning tokens as output; an unpriced model counts as unpriced', async () => {
    upstream.enqueue(
      { usage: { prompt: 1000, completion: 200, cached: 800 } },
      { usage: { prompt: 1000, completion: 200, cached: 800 } },
      { usage: { prompt: 100, completion: 50, reasoning: 30 } },
      { usage: { prompt: 1000, completion: 200 } },
    );
    await drain(await (await model('priced')).stream('stream me'));
    await (await model('no-cached-price')).invoke('cached at the input price');
    await (await model('thinking')).invoke('think');
    await (await model('free')).invoke('nobody set a price');

    const logged = await rows();
    expect(logged.map((r) => [r.promptTokens, r.cachedPromptTokens, r.completionTokens, r.reasoningTokens, r.costMicroUsd])).toEqual([
      // 200 × $2 + 800 × $0.5 + 200 × $8 per 1M = 2,400 µUSD
      [1000, 800, 200, 0, 2400],
      // no cached price: 1000 × $2 + 200 × $8
      [1000, 800, 200, 0, 3600],
      // 30 reasoning tokens are part of the 50 completion tokens, all at the output price: 100 × $1 + 50 × $4
      [100, 0, 50, 30, 300],
      [1000, 0, 200, 0, null],
    ]);
    expect(await app.get(UsageQueryService).summary({ userId: SYSTEM_USER_ID })).toMatchObject({
      requests: 4,
      cost: 0.0063,
      unpriced_calls: 1,
    });
  });

  it('prices a stream the caller stopped reading on what its row records', async () => {
    upstream.enqueue({ chunkCount: 6, chunkDelayMs: 30, usage: 'none', reply: 'one two three four five six seven eight' });
    for await (const _chunk of await (await model('priced')).stream('stop early')) break;
    const [row] = await rows();
    expect(row.outcome).not.toBe('ok');
    expect(row.promptTokens).toBeGreaterThan(0);
    expect(row.costMicroUsd).toBe(row.promptTokens * 2 + row.completionTokens * 8);
  });

  it('reads a model\'s price once, not once per call (the price book is warm until a change)', async () => {
    upstream.enqueue(...Array.from({ length: 4 }, () => ({ usage: { prompt: 10, completion: 10 } })));
    const chat = await model('priced');
    const getRepository = jest.spyOn(dataSource(), 'getRepository');
    for (let i = 0; i < 4; i += 1) {
      await chat.invoke(`call ${i}`);
      await app.get(CallRecorder).drain();
    }
    const modelReads = getRepository.mock.calls.filter(([target]) => target === ModelEntity).length;
    getRepository.mockRestore();
    expect(modelReads).toBe(1);
    expect((await rows()).map((r) => r.costMicroUsd)).toEqual([100, 100, 100, 100]);
  });

  it('a price change makes a new version: earlier rows keep their cost, later rows use the new price', async () => {
    const id = await modelId('priced');
    upstream.enqueue({ usage: { prompt: 1000, completion: 100 } }, { usage: { prompt: 1000, completion: 100 } });
    await (await model('priced')).invoke('before');
    const [before] = await rows();
    expect(before.costMicroUsd).toBe(2800);

    await app.get(PlatformAdminService).updateModel(SYSTEM_USER_ID, id, { inputPrice: 3, cachedInputPrice: null, outputPrice: 10 });
    await (await model('priced')).invoke('after');

    expect((await rows()).map((r) => r.costMicroUsd)).toEqual([2800, 4000]);
    const versions = await dataSource().getRepository(ModelPriceVersionEntity).find({ where: { modelId: id }, order: { id: 'ASC' } });
    expect(versions.map((v) => [v.inputPrice, v.cachedInputPrice, v.outputPrice])).toEqual([
      [2, 0.5, 8],
      [3, null, 10],
    ]);
    expect(versions[1].effectiveFrom.getTime()).toBeGreaterThanOrEqual(versions[0].effectiveFrom.getTime());
    // A write that leaves the prices as they are adds no version.
    await app.get(PlatformAdminService).updateModel(SYSTEM_USER_ID, id, { displayName: 'priced-renamed' });
    expect(await dataSource().getRepository(ModelPriceVersionEntity).countBy({ modelId: id })).toBe(2);
    // An unpriced model has no version.
    expect(await dataSource().getRepository(ModelPriceVersionEntity).countBy({ modelId: await modelId('free') })).toBe(0);
  });
});
