import type { Response } from 'supertest';
import type { DataSource } from 'typeorm';
import type { BudgetView } from '../../src/llm-manager/budgets/budget.types';
import { LLM_MGR_DATA_SOURCE_TOKEN } from '../../src/llm-manager/database/database.providers';
import { UsageLogEntryEntity } from '../../src/llm-manager/database/usage-log-entry.entity';
import { SYSTEM_USER_ID } from '../../src/llm-manager/llm-manager.constants';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { useNoNetworkGuard } from '../support/no-network';
import { expectCleanError, expectValidationError, HttpApp, type Method } from './http-app';

const HOUR = 3_600_000;

describe('budgets as data: setBudget/getBudgets/getSpend, admin and user routes (issue 16)', () => {
  useNoNetworkGuard();
  let app: HttpApp;

  beforeEach(async () => {
    app = await HttpApp.start(undefined, { budgetTimeZone: 'Asia/Shanghai' });
  });
  afterEach(() => app.close());

  const admin = (method: Method, path: string, body?: unknown): Promise<Response> => app.call(method, path, { as: 'root', admin: true, body });
  const llm = (): LlmManagerService => app.app.get(LlmManagerService);

  it('an admin sets, replaces, lists and deletes budgets; each user reads only their own', async () => {
    const set = await admin('put', '/api/ai/admin/budgets', { userId: 'alice', limitUsd: 5, period: 'month' });
    expect(set.status).toBe(200);
    const first = set.body as BudgetView;
    expect(first).toMatchObject({ userId: 'alice', usageKey: null, tokenId: null, limitUsd: 5, period: 'month', timeZone: 'Asia/Shanghai', hard: true, spentUsd: 0, reservedUsd: 0, remainingUsd: 5 });
    // A Shanghai month starts at 16:00 UTC of the day before the 1st.
    expect(first.windowStart).toMatch(/T16:00:00\.000Z$/);
    expect(new Date(first.resetsAt!).getTime()).toBeGreaterThan(Date.now());

    const replaced = await admin('put', '/api/ai/admin/budgets', { userId: 'alice', limitUsd: 7.5, period: 'day', timeZone: 'UTC', hard: false });
    expect(replaced.body).toMatchObject({ id: first.id, limitUsd: 7.5, period: 'day', timeZone: 'UTC', hard: false });
    await llm().setBudget({ userId: 'alice', usageKey: 'fast', limitUsd: 1, period: 'total' });
    await llm().setBudget({ userId: SYSTEM_USER_ID, limitUsd: 100, period: 'week' });

    const mine = await app.get('/api/ai/user/budget', 'alice');
    expect(mine.status).toBe(200);
    expect((mine.body as BudgetView[]).map((b) => [b.usageKey, b.period, b.resetsAt === null])).toEqual([
      [null, 'day', false],
      ['fast', 'total', true],
    ]);
    expect((await app.get('/api/ai/user/budget', 'bob')).body).toEqual([]);
    expect((await admin('get', '/api/ai/admin/budgets')).body).toHaveLength(3);
    expect((await admin('get', `/api/ai/admin/budgets?userId=${SYSTEM_USER_ID}`)).body).toMatchObject([{ userId: SYSTEM_USER_ID, limitUsd: 100 }]);
    expect((await llm().getBudgets('alice')).map((b) => b.limitUsd)).toEqual([7.5, 1]);

    expect((await admin('delete', `/api/ai/admin/budgets/${first.id}`)).status).toBe(204);
    expectCleanError(await admin('delete', `/api/ai/admin/budgets/${first.id}`), 404, 'NOT_FOUND');
    expect((await llm().getBudgets('alice')).map((b) => b.usageKey)).toEqual(['fast']);
  });

  it('refuses non-admins and values it cannot honour', async () => {
    expectCleanError(await app.call('put', '/api/ai/admin/budgets', { as: 'alice', body: { userId: 'alice', limitUsd: 5, period: 'day' } }), 403);
    expectValidationError(await admin('put', '/api/ai/admin/budgets', { userId: 'alice', limitUsd: 5, period: 'year' }), 'period');
    expectValidationError(await admin('put', '/api/ai/admin/budgets', { userId: 'alice', limitUsd: -1, period: 'day' }), 'limitUsd');
    expectValidationError(await admin('put', '/api/ai/admin/budgets', { userId: 'alice', limitUsd: 5, period: 'day', timeZone: 'Mars/Olympus' }), 'timeZone');
    await expect(llm().setBudget({ userId: 'alice', limitUsd: 5, period: 'day', timeZone: 'Mars/Olympus' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await admin('get', '/api/ai/admin/budgets')).body).toEqual([]);
  });

  it('getSpend and the admin spend route sum the cost stored on the usage rows, since a point in time', async () => {
    const now = Date.now();
    const row = (userId: string, ago: number, costMicroUsd: number | null): Partial<UsageLogEntryEntity> => ({
      userId, modelId: null, promptTokens: 1, completionTokens: 1, totalTokens: 2, success: true, agentName: null, costMicroUsd, createdAt: new Date(now - ago),
    });
    await app.app.get<DataSource>(LLM_MGR_DATA_SOURCE_TOKEN).getRepository(UsageLogEntryEntity).insert([
      row('alice', 1 * HOUR, 250_000),
      row('alice', 3 * HOUR, 1_500_000),
      row('alice', 2 * HOUR, null),
      row('bob', 1 * HOUR, 9_000_000),
    ]);
    expect(await llm().getSpend('alice')).toEqual({ userId: 'alice', since: null, spentUsd: 1.75, unpricedCalls: 1 });
    expect(await llm().getSpend('alice', { since: 2.5 * HOUR })).toMatchObject({ spentUsd: 0.25, unpricedCalls: 1 });
    const spend = await admin('get', '/api/ai/admin/budgets/spend/alice?since=150m');
    expect(spend.body).toMatchObject({ userId: 'alice', spentUsd: 0.25 });
  });
});
