import { ApiTokenService } from '../../src/llm-manager/api-tokens/api-token.service';
import { budgetYaml, CALL_USAGE } from '../support/budget-yaml';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { useNoNetworkGuard } from '../support/no-network';
import { TEST_REDIS_URL, TestRedisKeys } from '../support/redis-keys';
import { SYSTEM_KEY } from '../support/upstream-yaml';
import { GatewayApp } from './gateway-app';

/**
 * The gateway under a limit shared through Redis, where slices are reserved ahead (issue 18, P8): 50 requests at a
 * time, the limit passed exactly, never more; every refusal in OpenAI's shape; what the instance reserved and did not
 * use given back once idle, so Redis counts the calls made and nothing else.
 */
describe('gateway: a rate limit on Redis with slices reserved ahead (issue 18)', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let gateway: GatewayApp;
  let redis: TestRedisKeys;

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: SYSTEM_KEY });
    upstream.scriptModel('fake-chat', { reply: 'ok', usage: CALL_USAGE });
    redis = new TestRedisKeys();
    gateway = await GatewayApp.start(
      upstream,
      { billedUsage: 'reported', defaultUserRateLimit: { rpm: 100, concurrent: 80 }, redisUrl: TEST_REDIS_URL, redisKeyPrefix: redis.prefix },
      budgetYaml(upstream.url),
    );
  });
  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await redis?.close();
  });

  it('150 requests, 50 at a time, against 100 per minute: exactly 100 answered, 50 refused with 429, Redis counts 100', async () => {
    const { token } = await gateway.app.get(ApiTokenService).issue('gina', 'burst');
    // Counts are per minute: the requests keep to one (they take a few seconds).
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 45_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
    const send = async (i: number): Promise<number> => {
      const response = await fetch(`${gateway.url}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ model: 'main', messages: [{ role: 'user', content: `hi ${i}` }], stream: i % 2 === 0 }),
      });
      const body = await response.text();
      if (response.status === 429) expect(JSON.parse(body)).toMatchObject({ error: { code: 'rate_limit_exceeded', type: 'rate_limit_error' } });
      return response.status;
    };
    const statuses: number[] = [];
    for (let wave = 0; wave < 3; wave++) statuses.push(...(await Promise.all(Array.from({ length: 50 }, (_, i) => send(wave * 50 + i)))));
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    expect(statuses.filter((s) => s === 429)).toHaveLength(50);
    expect(upstream.chatRequests).toHaveLength(100);
    expect((await gateway.rows()).filter((row) => row.userId === 'gina')).toHaveLength(100);

    const window = (await redis.keys()).find((key) => key.startsWith(`${redis.prefix}rl:u:gina:w:`))!;
    const deadline = Date.now() + 3000;
    const counted = async (): Promise<[number, number]> => [Number(await redis.client.hget(window, 'r')), await redis.client.zcard(`${redis.prefix}rl:u:gina:c`)];
    while ((await counted()).join() !== '100,0' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await counted()).toEqual([100, 0]);
  }, 60_000);
});
