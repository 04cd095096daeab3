import type { ServerResponse } from 'node:http';
import type { LiveCall } from '../builder/live-call';
import { callFailure } from '../builder/call-failure';
import { parseJsonObject } from './json-object';
import { toOpenAiError } from './openai-error';
import { SseEventSplitter, type SseEvent } from './sse-events';
import { brokenOff } from './upstream-error';
import type { UpstreamAnswer } from './upstream-client';
import type { WireObservation } from './wire-observation';

/** How a stream is passed on: whether the client asked for the usage chunk, and the recorder's clock. */
export interface StreamRelayOptions {
  keepUsageChunk: boolean;
  now: () => number;
}

/**
 * Passes an upstream SSE stream to the client byte for byte, one read at a time, while the observation reads a copy
 * of every chunk. The one change: the usage-only chunk (`choices: []`), which the gateway asked for so the ledger
 * gets the provider's counts, is dropped unless the client asked for it too. A reader slower than the upstream holds
 * the upstream back (backpressure) and is recorded as `abandoned` past `abandonedStreamMs`.
 */
export async function relayStream(
  upstream: UpstreamAnswer,
  res: ServerResponse,
  call: LiveCall,
  observation: WireObservation,
  options: StreamRelayOptions,
): Promise<void> {
  res.statusCode = upstream.status;
  res.setHeader('content-type', upstream.header('content-type') ?? 'text/event-stream');
  res.setHeader('cache-control', 'no-cache');
  res.setHeader('x-accel-buffering', 'no');
  res.flushHeaders();
  const splitter = new SseEventSplitter();
  try {
    for await (const value of upstream.body) {
      const out = passedOn(splitter.push(value), observation, options.keepUsageChunk);
      if (out !== '' && !res.write(out)) {
        call.waitingSince = options.now();
        await drained(res, call.signal);
        call.waitingSince = 0;
      }
      if (call.outcome !== null) break;
    }
    const rest = splitter.end();
    if (rest !== null && call.outcome === null) res.write(passedOn([rest], observation, options.keepUsageChunk));
    call.settle('ok');
    res.end();
  } catch (error) {
    // Stopped from outside (client gone, abandoned, shutdown) it is recorded already; otherwise the upstream failed.
    call.settle('error', callFailure(brokenOff(error), []));
    if (!res.writableEnded && !res.destroyed) {
      res.end(`data: ${JSON.stringify(toOpenAiError(call.signal.aborted ? call.signal.reason : brokenOff(error)).body)}\n\n`);
    }
  }
}

function passedOn(events: readonly SseEvent[], observation: WireObservation, keepUsageChunk: boolean): string {
  let out = '';
  for (const event of events) {
    const chunk = event.data === null || event.data === '[DONE]' ? null : parseJsonObject(event.data);
    const usageOnly = chunk !== null && observation.observeStreamChunk(chunk);
    if (!usageOnly || keepUsageChunk) out += event.raw;
  }
  return out;
}

/** Resolves when the client has taken what was written, has gone, or the call was stopped. */
function drained(res: ServerResponse, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
