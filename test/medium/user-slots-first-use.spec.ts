import type { TestingModule } from '@nestjs/testing';
import type { DataSource } from 'typeorm';
import { ConfigChanges } from '../../src/llm-manager/common/config-changes';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { UserSelectionEntity } from '../../src/llm-manager/database/user-selection.entity';
import { SYSTEM_USER_ID } from '../../src/llm-manager/llm-manager.constants';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { TempStore } from '../support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';

/** A new user's slots: created together on first use, from system bindings that are cached until they change. */
describe('usage slots on first use (batched creation, cached system bindings)', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let store: TempStore;
  let moduleRef: TestingModule;
  let manager: LlmManagerService;
  let db: DataSource;

  beforeAll(async () => {
    upstream = await startFakeUpstream();
  });
  afterAll(() => upstream.close());
  beforeEach(async () => {
    store = new TempStore(upstreamYaml(upstream.url));
    moduleRef = await store.start({ env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY }, autoKey: true });
    manager = moduleRef.get(LlmManagerService);
    db = moduleRef.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN);
  });
  afterEach(async () => {
    await moduleRef.close();
    store.remove();
  });

  const slotsOf = (userId: string): Promise<UserSelectionEntity[]> =>
    db.getRepository(UserSelectionEntity).find({ where: { userId }, order: { usageKey: 'ASC' } });
  const spareChat = async (): Promise<{ platformId: number; modelId: number }> => {
    const spare = (await manager.listPlatforms(SYSTEM_USER_ID)).find((p) => p.name === 'Spare')!;
    return { platformId: spare.id, modelId: spare.models[0].id };
  };

  it('concurrent first calls of one user all succeed and leave exactly one row per slot', async () => {
    const calls = [
      ...Array.from({ length: 6 }, () => manager.getUserLlm('dave')),
      ...Array.from({ length: 3 }, () => manager.getUserSelection('dave', 'fast')),
      ...Array.from({ length: 3 }, () => manager.getUserLlm('dave', { usageKey: 'reason', agentName: 'a' })),
    ];
    const settled = await Promise.allSettled(calls);
    expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);
    expect((await slotsOf('dave')).map((s) => s.usageKey)).toEqual(['fast', 'main', 'reason']);
  });

  it('a user created after an admin re-binds a system slot starts from the new binding', async () => {
    await manager.getUserLlm('erin'); // reads (and caches) the system bindings
    const spare = await spareChat();
    await manager.updateUserSelection(SYSTEM_USER_ID, 'fast', spare);

    const llm = await manager.getUserLlm('frank', { usageKey: 'fast' });
    expect(llm.info).toMatchObject({ platformName: 'Spare', modelDisplayName: 'spare-chat' });
    // Users who already had their slots keep them: a slot is copied once, on first use.
    expect((await manager.getUserSelection('erin', 'fast')).platform_name).toBe('Fake');
  });

  it('a new system slot is copied to users created after it', async () => {
    await manager.getUserLlm('gina');
    await manager.createUserUsageSlot(SYSTEM_USER_ID, 'summarize', await spareChat());
    const selection = await manager.getUserSelection('hank', 'summarize');
    expect(selection).toMatchObject({ usage_key: 'summarize', platform_name: 'Spare' });
    expect(selection.usage_selections.map((s) => s.usage_key)).toEqual(['main', 'fast', 'reason', 'summarize']);
  });

  it('a change announced as "all" (another instance, a YAML reset) is seen by the next new user', async () => {
    await manager.getUserLlm('ivy');
    const spare = await spareChat();
    // Written behind this instance's back, as another instance sharing the database would.
    await db.getRepository(UserSelectionEntity).update({ userId: SYSTEM_USER_ID, usageKey: 'main' }, spare);
    moduleRef.get(ConfigChanges).publish({ kind: 'all' });
    expect((await manager.getUserLlm('jack')).info.platformName).toBe('Spare');
  });
});
