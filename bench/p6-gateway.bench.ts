/**
 * P6: chat completions through the gateway (`/v1/chat/completions`, slot `main`, an `llmu_` token) vs straight to the
 * same local fake upstream, concurrency 50, stream and not. Both sides use one keep-alive node:http client. The
 * gateway is the standalone server in a process of its own (p6-gateway-server.ts, forked); the fake upstream and the
 * load generator share this process, so both sides pay the same client and upstream costs. On 2 shared cores the
 * three processes compete for CPU: the halves alternate (direct, gateway, gateway, direct) so both see the same load.
 * `P6_CPU_PROF=<dir>` runs the gateway under `node --cpu-prof` and leaves its profile there.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { MODEL, type BenchContext } from './context';
import { now, percentile, pool, type Figure } from './stats';
import { SYSTEM_KEY } from '../test/support/upstream-yaml';

const CONCURRENCY = 50;
// Idle sockets closed after 4 s, before the servers' 5 s keep-alive timeout: no request races a closing socket.
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY, timeout: 4_000 });

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
  latencies: number[];
}

async function run(total: number, url: string, key: string, model: string, stream: boolean, concurrency = CONCURRENCY): Promise<Run> {
  const check = (text: string): void => {
    if (!text.includes('Echo:') && !text.includes('"content":"Ech')) throw new Error(`unexpected reply: ${text.slice(0, 120)}`);
  };
  const started = now();
  const latencies = await pool(total, concurrency, async (i) =>
    check(await post(url, key, JSON.stringify({ model, stream, messages: [{ role: 'user', content: `hello ${i}` }] }))),
  );
  return { reqPerS: total / ((now() - started) / 1000), latencies };
}

interface ForkedServer<T> {
  /** What the child sent once listening. */
  ready: T;
  /** Sends `message`, resolves with the child's next message. */
  ask<A>(message: string): Promise<A>;
  close(): Promise<void>;
}

/** Forks a bench server (transpile-hook.js: as built, without ts-node's `domain`) with IPC; resolves with its first message, sent once it listens. */
async function forkServer<T>(script: string, upstreamUrl: string, execArgv: string[] = []): Promise<ForkedServer<T>> {
  const child: ChildProcess = fork(join(__dirname, script), [upstreamUrl], {
    execArgv: ['-r', join(__dirname, 'transpile-hook.js'), ...execArgv],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <A>(): Promise<A> =>
    new Promise<A>((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`P6 ${script} exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (message) => {
        child.off('exit', onExit);
        resolve(message as A);
      });
    });
  const ready = await next<T>();
  return {
    ready,
    ask: <A>(message: string): Promise<A> => {
      const answer = next<A>();
      child.send(message);
      return answer;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.send('close');
      }),
  };
}

/** CPU ms (user + system) the server process spent per call while `load` ran `2 × total` calls through it. */
async function cpuPerCall(server: ForkedServer<unknown>, load: () => Promise<Run[]>): Promise<number> {
  const before = await server.ask<NodeJS.CpuUsage>('cpu');
  const runs = await load();
  const after = await server.ask<NodeJS.CpuUsage>('cpu');
  const calls = runs.reduce((sum, r) => sum + r.latencies.length, 0);
  return (after.user - before.user + after.system - before.system) / 1000 / calls;
}

/** The figures of both halves together. */
function merged(a: Run, b: Run): { reqPerS: number; p50: number; p99: number } {
  const all = [...a.latencies, ...b.latencies];
  return { reqPerS: (a.reqPerS + b.reqPerS) / 2, p50: percentile(all, 50), p99: percentile(all, 99) };
}

export async function benchGateway(ctx: BenchContext): Promise<Figure[]> {
  const total = ctx.quick ? 200 : 3_000;
  const profileDir = process.env.P6_CPU_PROF;
  const gatewayProcess = await forkServer<{ port: number; token: string }>('p6-gateway-server.ts', ctx.upstream.url, profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
  const bareProxy = await forkServer<{ port: number }>('p6-bare-proxy.ts', ctx.upstream.url).catch(async (error: unknown) => {
    await gatewayProcess.close();
    throw error;
  });
  try {
    const gatewayUrl = `http://127.0.0.1:${gatewayProcess.ready.port}/v1/chat/completions`;
    const proxyUrl = `http://127.0.0.1:${bareProxy.ready.port}/v1/chat/completions`;
    const directUrl = `${ctx.upstream.url}/chat/completions`;
    const token = gatewayProcess.ready.token;
    const figures: Figure[] = [];
    for (const stream of [false, true]) {
      const direct = (): Promise<Run> => run(total, directUrl, SYSTEM_KEY, MODEL, stream);
      const gateway = (): Promise<Run> => run(total, gatewayUrl, token, 'main', stream);
      const proxy = (): Promise<Run> => run(total, proxyUrl, SYSTEM_KEY, MODEL, stream);
      await direct(); // untimed warmup of every side
      await gateway();
      await proxy();
      // Alternating halves, so neither side always runs on the colder process.
      const d1 = await direct();
      const g1 = await gateway();
      const p1 = await proxy();
      const p2 = await proxy();
      const g2 = await gateway();
      const d2 = await direct();
      // CPU each server process spent per call (user + system): what load on the machine cannot distort much.
      const gatewayCpu = await cpuPerCall(gatewayProcess, () => Promise.all([gateway()]));
      const proxyCpu = await cpuPerCall(bareProxy, () => Promise.all([proxy()]));
      const d = merged(d1, d2);
      const g = merged(g1, g2);
      const bare = merged(p1, p2);
      const kind = stream ? 'stream' : 'non-stream';
      // Context: one call at a time shows the time the gateway adds to a call, without queueing behind 49 others.
      const single = Math.ceil(total / 10);
      const d1Single = await run(single, directUrl, SYSTEM_KEY, MODEL, stream, 1);
      const gSingle = await run(single, gatewayUrl, token, 'main', stream, 1);
      const dSingle = merged(d1Single, await run(single, directUrl, SYSTEM_KEY, MODEL, stream, 1));
      const gSingleP50 = percentile(gSingle.latencies, 50);
      figures.push(
        { id: 'P6', label: `gateway ${kind}, ${total} calls @${CONCURRENCY}`, value: g.reqPerS, floor: d.reqPerS, unit: 'req/s', higherIsBetter: true, goal: '≥ 10 % of direct (≤ 10×)', met: g.reqPerS >= 0.1 * d.reqPerS, floorNote: 'direct to the fake' },
        { id: 'P6', label: `gateway ${kind} p50 @${CONCURRENCY} (added ${(g.p50 - d.p50).toFixed(2)} ms)`, value: g.p50, floor: d.p50, unit: 'ms', goal: '≤ +5 ms', met: g.p50 - d.p50 <= 5 },
        { id: 'P6', label: `bare node:http proxy ${kind} p50 @${CONCURRENCY}, own process (added ${(bare.p50 - d.p50).toFixed(2)} ms; ${bare.reqPerS.toFixed(0)} req/s)`, value: bare.p50, floor: d.p50, unit: 'ms', goal: 'context: the least any Node proxy adds here' },
        { id: 'P6', label: `gateway process CPU per ${kind} call @${CONCURRENCY} (50 × it ≈ the p50 it adds on a busy core)`, value: gatewayCpu, floor: proxyCpu, unit: 'ms', goal: 'context', floorNote: 'bare node:http proxy, same measure' },
        { id: 'P6', label: `gateway ${kind} p99 @${CONCURRENCY} (added ${(g.p99 - d.p99).toFixed(2)} ms)`, value: g.p99, floor: d.p99, unit: 'ms', goal: 'context' },
        { id: 'P6', label: `gateway ${kind} p50, one call at a time (${single} calls; added ${(gSingleP50 - dSingle.p50).toFixed(2)} ms)`, value: gSingleP50, floor: dSingle.p50, unit: 'ms', goal: 'context: added ms per call' },
      );
    }
    const { rows, errors } = await gatewayProcess.ask<{ rows: number; errors: number }>('rows');
    // Two kinds × (warmup + two timed runs and one CPU run at concurrency 50 + one run one at a time) through the gateway, each answered
    // once; an attempt that failed (a stale keep-alive socket, say) and was retried is a failed row of its own.
    const expected = 2 * (4 * total + Math.ceil(total / 10));
    if (rows - errors !== expected) throw new Error(`P6 lost usage rows: ${rows - errors} answered of ${expected} (${errors} failed attempts)`);
    if (errors > 0) figures.push({ id: 'P6', label: `gateway attempts that failed and were retried (of ${rows})`, value: errors, floor: expected, unit: 'rows', goal: 'context' });
    return figures;
  } finally {
    await Promise.all([gatewayProcess.close(), bareProxy.close()]);
  }
}
