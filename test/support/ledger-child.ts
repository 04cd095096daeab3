/**
 * A host application in a process of its own, for the ledger's failure tests (test/e2e/ledger-*.e2e-spec.ts): it
 * starts `LlmManagerModule.forRoot(options)` with Nest's shutdown hooks, as a host app does, then plays one scenario
 * against the fake upstream and says how far it got on stdout (`@ready`, `@<mark> <json>`), so the test can send
 * SIGTERM or SIGKILL at the moment it chooses. Run with ts-node (transpile only), like the standalone server specs.
 *
 *   LEDGER_CHILD='{"options":{...}}' node -r ts-node/register/transpile-only ledger-child.ts <scenario> [n]
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { TrackedChatModel } from '../../src/llm-manager/builder/tracked-chat-model';
import { LlmManagerModule } from '../../src/llm-manager/llm-manager.module';
import type { LlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';

type Scenario = (manager: LlmManagerService, n: number) => Promise<void>;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Keeps the process up the way a server's listening socket does, until a signal ends it. */
const serveForever = (): Promise<never> => new Promise(() => setInterval(() => undefined, 60_000));

function say(mark: string, data: unknown = {}): void {
  process.stdout.write(`@${mark} ${JSON.stringify(data)}\n`);
}

/** Reads a stream to its end at `delayMs` a chunk, or until it throws; never rejects. */
async function consume(
  opening: Promise<AsyncIterable<unknown>>,
  delayMs: number,
  onChunk: (i: number) => void = () => undefined,
): Promise<void> {
  let i = 0;
  try {
    for await (const _ of await opening) {
      onChunk(++i);
      await sleep(delayMs);
    }
  } catch {
    return; // Aborted or cancelled: the ledger, not this reader, is under test.
  }
}

const model = (manager: LlmManagerService, display: string): Promise<TrackedChatModel> => manager.getSpecSysLlm('Fake', display);

const SCENARIOS: Record<string, Scenario> = {
  /** The consumer is slower than the upstream and aborts between chunks: in its loop, or by a timer. */
  async 'abort-between-chunks'(manager, n) {
    const [llm, timed] = await Promise.all([
      manager.getSpecSysLlm('Fake', 'long', { agentName: 'in-loop' }),
      manager.getSpecSysLlm('Fake', 'long', { agentName: 'by-timer' }),
    ]);
    const inLoop = Array.from({ length: n }, async () => {
      const controller = new AbortController();
      await consume(llm.stream('abort me in the loop', { signal: controller.signal }), 30, (i) => i === 2 && controller.abort());
    });
    // The timer starts once text has arrived (the first chunk only names the role), so every request has left and
    // has text before it fires; the reader then lags behind the upstream.
    const byTimer = Array.from({ length: n }, async () => {
      const controller = new AbortController();
      const armTimer = (i: number): void => void (i === 2 && setTimeout(() => controller.abort(), 200));
      await consume(timed.stream('abort me by timer', { signal: controller.signal }), 60, armTimer);
    });
    await Promise.all([...inLoop, ...byTimer]);
    say('done');
  },

  /** Streams read once and then dropped, and streams never read at all; the process stays up. */
  async dropped(manager, n) {
    const llm = await model(manager, 'long');
    for (let i = 0; i < n; i += 1) {
      const stream = await llm.stream('read me once');
      await stream[Symbol.asyncIterator]().next();
      await llm.stream('never read me');
    }
    say('dropped');
    await serveForever();
  },

  /** `n` streams being read when the test sends SIGTERM. */
  async 'in-flight'(manager, n) {
    const llm = await model(manager, process.env.LEDGER_MODEL ?? 'long');
    let reading = 0;
    for (let i = 0; i < n; i += 1) {
      void consume(llm.stream(`in flight ${i}`), 0, (chunk) => chunk === 1 && ++reading === n && say('in-flight'));
    }
    await serveForever();
  },

  /** `n` finished calls whose rows wait in the writer's queue (a long flush interval) when the test acts. */
  async queued(manager, n) {
    const llm = await model(manager, 'chat');
    for (let i = 0; i < n; i += 1) await llm.invoke(`queued ${i}`);
    say('queued');
    await serveForever();
  },

  /** Calls without end, `n` at a time (invokes and slow streams), until the process is killed. */
  async load(manager, n) {
    const [chat, long] = await Promise.all([model(manager, 'chat'), model(manager, 'long')]);
    let finished = 0;
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; ; i += 1) {
        if ((w + i) % 4 === 0) await consume(long.stream(`load ${w}.${i}`), 0);
        else await chat.invoke(`load ${w}.${i}`).catch(() => undefined);
        if (++finished % 50 === 0) say('progress', { finished });
      }
    };
    await Promise.all(Array.from({ length: n }, (_, w) => worker(w)));
  },

  /** `n` calls, then the script simply ends: no `app.close()`, nothing keeps the event loop busy. */
  async 'script-ends'(manager, n) {
    const llm = await model(manager, 'chat');
    for (let i = 0; i < n; i += 1) await llm.invoke(`script ${i}`);
    say('returning');
  },

  /** At `BURST_AT` (epoch ms, so two processes start together), `n` concurrent calls of alice; says how many went. */
  'budget-burst': (manager, n) => burst(manager, n, 'BUDGET_EXCEEDED'),

  /** The same against a rate limit: how many calls went and how many were refused with RATE_LIMITED. */
  'rate-burst': (manager, n) => burst(manager, n, 'RATE_LIMITED'),

  /** One call of alice that the upstream answers slowly: its budget reservation is held until the test kills us. */
  async 'budget-hold'(manager) {
    const llm = await manager.getUserLlm('alice', { usageKey: 'slow' });
    await llm.invoke('hold').catch(() => undefined);
    await serveForever();
  },

  /** Starts (replaying the journal of a process that died), then closes. */
  async restart() {
    say('restarted');
  },
};

/** `n` concurrent calls of alice at `BURST_AT`; says how many went and how many were refused with `refusal`. */
async function burst(manager: LlmManagerService, n: number, refusal: string): Promise<void> {
  const llm = await manager.getUserLlm('alice');
  await sleep(Math.max(0, Number(process.env.BURST_AT) - Date.now()));
  const outcomes = await Promise.allSettled(Array.from({ length: n }, (_, i) => llm.invoke(`burst ${i}`)));
  const refused = outcomes.filter((o) => o.status === 'rejected' && (o.reason as { code?: string }).code === refusal).length;
  say('burst', { ok: outcomes.filter((o) => o.status === 'fulfilled').length, refused });
}

async function main(): Promise<void> {
  const [scenarioName, count] = process.argv.slice(2);
  const scenario = SCENARIOS[scenarioName];
  if (!scenario) throw new Error(`Unknown scenario "${scenarioName}"; one of ${Object.keys(SCENARIOS).join(', ')}.`);
  const { options, close } = JSON.parse(process.env.LEDGER_CHILD ?? '{}') as { options: LlmManagerOptions; close?: boolean };
  const app = await NestFactory.createApplicationContext(LlmManagerModule.forRoot(options), { logger: ['error', 'warn', 'log'] });
  app.enableShutdownHooks();
  say('ready');
  await scenario(app.get(LlmManagerService), Number(count ?? 0));
  if (close !== false) await app.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`ledger-child failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
