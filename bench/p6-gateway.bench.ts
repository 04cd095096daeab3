/**
 * P6: chat completions through the gateway (`/v1/chat/completions`, slot `main`, an `llmu_` token) vs straight to the
 * same local fake upstream, concurrency 50, stream and not. Both sides use one keep-alive node:http client; all
 * three parties (client, gateway, fake) share this one process and its event loop, so the gateway's CPU is paid in
 * full (a pessimistic setting next to a gateway in a process of its own).
 */
import { Test } from '@nestjs/testing';
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiTokenService } from '../src/llm-manager/api-tokens/api-token.service';
import { CallRecorder } from '../src/llm-manager/builder/call-recorder';
import { LlmManagerModule } from '../src/llm-manager/llm-manager.module';
import { UsageWriter } from '../src/llm-manager/usage/usage-writer';
import { UsageQueryService } from '../src/llm-manager/usage/usage-query.service';
import { TempStore } from '../test/support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../test/support/upstream-yaml';
import { MODEL, type BenchContext } from './context';
import { now, percentile, pool, type Figure } from './stats';

const CONCURRENCY = 50;
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(url: string, key: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface Run {
  reqPerS: number;
  p50: number;
}

async function run(total: number, url: string, key: string, model: string, stream: boolean, concurrency = CONCURRENCY): Promise<Run> {
  const check = (text: string): void => {
    if (!text.includes('Echo:') && !text.includes('"content":"Ech')) throw new Error(`unexpected reply: ${text.slice(0, 120)}`);
  };
  const started = now();
  const latencies = await pool(total, concurrency, async (i) =>
    check(await post(url, key, JSON.stringify({ model, stream, messages: [{ role: 'user', content: `hello ${i}` }] }))),
  );
  return { reqPerS: total / ((now() - started) / 1000), p50: percentile(latencies, 50) };
}

export async function benchGateway(ctx: BenchContext): Promise<Figure[]> {
  const total = ctx.quick ? 200 : 3_000;
  const store = new TempStore(upstreamYaml(ctx.upstream.url));
  const moduleRef = await Test.createTestingModule({
    imports: [LlmManagerModule.forRoot({ ...store.options({ env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY }, autoKey: true }), gateway: true })],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  try {
    await app.listen(0, '127.0.0.1');
    const gatewayUrl = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/v1/chat/completions`;
    const directUrl = `${ctx.upstream.url}/chat/completions`;
    const token = (await app.get(ApiTokenService).issue('p6-user', 'bench')).token;
    const figures: Figure[] = [];
    for (const stream of [false, true]) {
      const direct = (): Promise<Run> => run(total, directUrl, SYSTEM_KEY, MODEL, stream);
      const gateway = (): Promise<Run> => run(total, gatewayUrl, token, 'main', stream);
      await direct(); // untimed warmup of both sides
      await gateway();
      // Alternating halves, so neither side always runs on the colder process.
      const d1 = await direct();
      const g1 = await gateway();
      const g2 = await gateway();
      const d2 = await direct();
      const d = { reqPerS: (d1.reqPerS + d2.reqPerS) / 2, p50: (d1.p50 + d2.p50) / 2 };
      const g = { reqPerS: (g1.reqPerS + g2.reqPerS) / 2, p50: (g1.p50 + g2.p50) / 2 };
      const kind = stream ? 'stream' : 'non-stream';
      // Context: one call at a time shows the time the gateway adds to a call, without queueing behind 49 others.
      const single = Math.ceil(total / 10);
      const d1Single = await run(single, directUrl, SYSTEM_KEY, MODEL, stream, 1);
      const gSingle = await run(single, gatewayUrl, token, 'main', stream, 1);
      const dSingle = { p50: (d1Single.p50 + (await run(single, directUrl, SYSTEM_KEY, MODEL, stream, 1)).p50) / 2 };
      figures.push(
        { id: 'P6', label: `gateway ${kind}, ${total} calls @${CONCURRENCY}`, value: g.reqPerS, floor: d.reqPerS, unit: 'req/s', higherIsBetter: true, goal: '≥ 10 % of direct (≤ 10×)', met: g.reqPerS >= 0.1 * d.reqPerS, floorNote: 'direct to the fake' },
        { id: 'P6', label: `gateway ${kind} p50 @${CONCURRENCY}`, value: g.p50, floor: d.p50, unit: 'ms', goal: '≤ +5 ms', met: g.p50 - d.p50 <= 5 },
        { id: 'P6', label: `gateway ${kind} p50, one call at a time (${single} calls)`, value: gSingle.p50, floor: dSingle.p50, unit: 'ms', goal: 'context: added ms per call' },
      );
    }
    await app.get(CallRecorder).drain();
    await app.get(UsageWriter).flush();
    const recorded = (await app.get(UsageQueryService).summary({ userId: 'p6-user' })).requests;
    // Two kinds × (warmup + two timed runs at concurrency 50 + one run one at a time) through the gateway.
    const expected = 2 * (3 * total + Math.ceil(total / 10));
    if (recorded !== expected) throw new Error(`P6 lost usage rows: ${recorded} of ${expected}`);
    return figures;
  } finally {
    await app.close();
    store.remove();
  }
}
