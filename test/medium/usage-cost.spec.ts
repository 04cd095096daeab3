import type { AIMessageChunk } from '@langchain/core/messages';
import type { TestingModule } from '@nestjs/testing';
import { execFileSync } from 'child_process';
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';
import type { DataSource } from 'typeorm';
import { PlatformAdminService } from '../../src/llm-manager/admin/platform-admin.service';
import { CallRecorder } from '../../src/llm-manager/builder/call-recorder';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { MetaEntity } from '../../src/llm-manager/database/meta.entity';
import { ModelEntity } from '../../src/llm-manager/database/model.entity';
import { ModelPriceVersionEntity } from '../../src/llm-manager/database/model-price-version.entity';
import { UsageLogEntryEntity } from '../../src/llm-manager/database/usage-log-entry.entity';
import { STORE_ID } from '../../src/llm-manager/database/store-startup';
import { SYSTEM_USER_ID } from '../../src/llm-manager/llm-manager.constants';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import type { JournalRecord } from '../../src/llm-manager/usage/journal-records';
import { UsageQueryService } from '../../src/llm-manager/usage/usage-query.service';
import { UsageWriter } from '../../src/llm-manager/usage/usage-writer';
import { YamlSyncService } from '../../src/llm-manager/yaml-sync/yaml-sync.service';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { TempStore } from '../support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV } from '../support/upstream-yaml';
import { usageRow } from '../support/usage-rows';

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

  it('a row replayed from the journal of a dead process keeps the cost it was journaled with, or is priced on replay', async () => {
    const id = await modelId('priced');
    const storeId = (await dataSource().getRepository(MetaEntity).findOneByOrFail({ key: STORE_ID })).value;
    await app.close();
    const at = Date.UTC(2026, 11, 1, 8);
    const [priced, older, ended] = ['a', 'b', 'c'].map((c) => `${c.repeat(8)}-0000-4000-8000-000000000000`);
    const row = (callId: string, costMicroUsd?: number): JournalRecord => {
      const { createdAt: _createdAt, costMicroUsd: _cost, ...fields } = usageRow({ userId: 'u', modelId: id, callId, promptTokens: 100, completionTokens: 10, createdAt: new Date(at) });
      return { t: 'row', id: callId, row: { ...fields, ...(costMicroUsd === undefined ? {} : { costMicroUsd }), createdAt: new Date(at).toISOString() } };
    };
    const records: JournalRecord[] = [
      row(priced, 12_345),
      // Journaled before rows carried a cost: priced on replay, at the price of its model then.
      row(older),
      { t: 'begin', id: ended, userId: 'u', modelId: id, agentName: null, at, promptChars: 40 },
      { t: 'end', id: ended, outcome: 'ok', at: at + 10, completionChars: 0, reported: { prompt: 50, completion: 5, reasoning: 0 } },
    ];
    const dead = Number(execFileSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).toString());
    mkdirSync(store.journalDir, { recursive: true });
    writeFileSync(join(store.journalDir, `${storeId}.${dead}.abcdef.1.ndjson`), records.map((r) => `${JSON.stringify(r)}\n`).join(''));

    app = await store.start({ env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY }, maxRetries: 0, billedUsage: 'reported' });
    expect((await rows()).map((r) => [r.callId, r.costMicroUsd])).toEqual([
      [priced, 12_345],
      [older, 100 * 2 + 10 * 8],
      [ended, 50 * 2 + 5 * 8],
    ]);
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

  it('a reset from YAML with new prices writes a version in the sync; the next call uses the new price', async () => {
    const id = await modelId('priced');
    store.writeYaml(yaml(upstream.url).replace('input_price: 2, cached_input_price: 0.5, output_price: 8', 'input_price: 5, output_price: 20'));
    await app.get(YamlSyncService).forceReset();
    // A reset replaces a model in place (same id), so its history goes on.
    expect(await modelId('priced')).toBe(id);
    const versions = await dataSource().getRepository(ModelPriceVersionEntity).find({ where: { modelId: id }, order: { id: 'ASC' } });
    expect(versions.map((v) => [v.inputPrice, v.cachedInputPrice, v.outputPrice])).toEqual([
      [2, 0.5, 8],
      [5, null, 20],
    ]);
    upstream.enqueue({ usage: { prompt: 100, completion: 10 } });
    await (await model('priced')).invoke('after the reset');
    expect((await rows()).map((r) => r.costMicroUsd)).toEqual([100 * 5 + 10 * 20]);
  });
});
