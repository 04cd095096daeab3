import type { BaseMessage } from '@langchain/core/messages';
import type { ChatGenerationChunk, ChatResult } from '@langchain/core/outputs';
import { CallObservation, type FinishedCall } from './call-observation';

/** Where finished calls go (the recorder); the tracker itself holds no state between calls. */
export interface CallSink {
  now(): number;
  record(call: FinishedCall): void;
}

interface CallOptionsLike {
  signal?: AbortSignal;
  tools?: unknown;
  response_format?: unknown;
}

/**
 * Wraps the two ways a LangChain chat model reaches the upstream (`_generate`, `_streamResponseChunks`) so every
 * call ends in exactly one finished-call record: success, upstream error, abort, or a consumer that stopped reading.
 * LangChain's own callbacks cannot do this: a consumer's `break` fires neither end nor error.
 */
export class CallTracker {
  constructor(private readonly sink: CallSink) {}

  async trackGenerate(messages: BaseMessage[], options: CallOptionsLike, run: () => Promise<ChatResult>): Promise<ChatResult> {
    const call = this.begin(messages, options);
    try {
      const result = await run();
      call.observeResult(result);
      this.sink.record(call.finish('ok', this.sink.now()));
      return result;
    } catch (error) {
      this.sink.record(call.finish(isAbort(error, options.signal) ? 'aborted' : 'error', this.sink.now()));
      throw error;
    }
  }

  async *trackStream(
    messages: BaseMessage[],
    options: CallOptionsLike,
    source: AsyncGenerator<ChatGenerationChunk>,
  ): AsyncGenerator<ChatGenerationChunk> {
    const call = this.begin(messages, options);
    let settled = false;
    const settle = (outcome: FinishedCall['outcome']): void => {
      settled = true;
      this.sink.record(call.finish(outcome, this.sink.now()));
    };
    try {
      for await (const chunk of source) {
        call.observeChunk(chunk);
        yield chunk;
      }
      // LangChain's completions stream returns quietly when its signal fires.
      settle(options.signal?.aborted ? 'aborted' : 'ok');
    } catch (error) {
      settle(isAbort(error, options.signal) ? 'aborted' : 'error');
      throw error;
    } finally {
      // Reached without settling only when the consumer stopped iterating (`break`, `return`).
      if (!settled) settle('abandoned');
    }
  }

  private begin(messages: BaseMessage[], options: CallOptionsLike): CallObservation {
    const extras = [options.tools, options.response_format].filter((x) => x !== undefined);
    return new CallObservation(this.sink.now(), messages, extras.length ? JSON.stringify(extras) : '');
  }
}

function isAbort(error: unknown, signal: AbortSignal | undefined): boolean {
  if (signal?.aborted) return true;
  if (!(error instanceof Error)) return false;
  return error.name === 'AbortError' || error.name === 'APIUserAbortError' || error.message === 'AbortError';
}
