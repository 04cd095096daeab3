import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';

/** The Redis that runs beside the test databases. */
export const TEST_REDIS_URL = 'redis://127.0.0.1:6379/0';

/** A key prefix of one spec's own, and the client that drops its keys (and only them) afterwards. */
export class TestRedisKeys {
  readonly prefix = `llm-mgr-test:${randomUUID().slice(0, 8)}:`;
  private readonly redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });

  /** Every key under the prefix. */
  async keys(): Promise<string[]> {
    if (this.redis.status === 'wait') await this.redis.connect();
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 1000);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return found;
  }

  /** Milliseconds each key has left to live (-1: none, which no key of ours may be). */
  async ttls(): Promise<number[]> {
    return Promise.all((await this.keys()).map((key) => this.redis.pttl(key)));
  }

  get client(): Redis {
    return this.redis;
  }

  async drop(): Promise<void> {
    const keys = await this.keys();
    if (keys.length > 0) await this.redis.del(...keys);
  }

  async close(): Promise<void> {
    await this.drop();
    await this.redis.quit();
  }
}
