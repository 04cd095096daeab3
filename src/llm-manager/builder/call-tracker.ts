import type { BaseMessage } from '@langchain/core/messages';
import type { ChatGenerationChunk, ChatResult } from '@langchain/core/outputs';
import { LlmManagerError } from '../common/llm-manager.error';
import type { CallHold } from './call-hold';
import type { AttemptTrail } from './attempt-trail';
import { callFailure } from './call-failure';
import { CallObservation, type FinishedCall } from './call-observation';
import { LiveCall, type CallEnd } from './live-call';
import { upstreamCallError, type UpstreamTarget } from './upstream-call-error';

/** The prompt of a call about to leave, as budgets estimate it. */
export type OutgoingPrompt = Pick<FinishedCall, 'promptMessages' | 'promptExtras'>;

/** Where calls go (the recorder): asked before one leaves, told when it leaves, and once when it ends. */
export interface CallSink extends CallEnd {
  /**
   * `null` (synchronously) when nothing stands in the call's way; else resolves to what the call holds of its budgets
   * and rate limits (`null`: nothing) or rejects to refuse it (`BUDGET_EXCEEDED`, `RATE_LIMITED`) before any request
   * leaves.
   */
  admit(prompt: OutgoingPrompt): null | Promise<CallHold | null>;
  /** A call admitted, then aborted by its caller before it left: what it holds goes back, nothing is recorded. */
  release(hold: CallHold): void;
  open(call: LiveCall): void;
}

interface CallOptionsLike {
  signal?: AbortSignal;
  tools?: unknown;
  response_format?: unknown;
}

/**
 * Wraps the two ways a LangChain chat model reaches the upstream (`_generate`, `_streamResponseChunks`) so every
 * request that leaves ends in exactly one finished-call record: success, upstream error, abort (at any moment), a
 * consumer that stopped reading, or the process shutting down. LangChain's own callbacks cannot do this: a
 * consumer's `break` fires neither end nor error. A call whose signal was aborted before it started sends nothing
 * and is not recorded. What a failed call throws is an `UpstreamCallError` (see upstreamCallError), never the SDK's own.
 */
export class CallTracker {
  constructor(
    private readonly sink: CallSink,
    private readonly target: UpstreamTarget,
  ) {}

  async trackGenerate<O extends CallOptionsLike>(
    messages: BaseMessage[],
    options: O,
    run: (options: O) => Promise<ChatResult>,
    trail?: AttemptTrail,
  ): Promise<ChatResult> {
    if (options.signal?.aborted) return run(options);
    const observation = this.observe(messages, options);
    const admission = this.sink.admit(observation);
    const hold = admission === null ? null : await admission;
    // Aborted while it waited for admission: it gives back what it holds and goes no further (LangChain throws).
    if (options.signal?.aborted) return run(this.released(hold, options));
    const call = this.open(observation, options, hold, trail);
    try {
      const result = await run({ ...options, signal: call.signal });
      call.observation.observeResult(result);
      call.settle('ok');
      return result;
    } catch (error) {
      throw this.failed(call, error);
    }
  }

  async *trackStream<O extends CallOptionsLike>(
    messages: BaseMessage[],
    options: O,
    source: (options: O) => AsyncGenerator<ChatGenerationChunk>,
    trail?: AttemptTrail,
  ): AsyncGenerator<ChatGenerationChunk> {
    if (options.signal?.aborted) return yield* source(options);
    const observation = this.observe(messages, options);
    const admission = this.sink.admit(observation);
    const hold = admission === null ? null : await admission;
    if (options.signal?.aborted) return yield* source(this.released(hold, options));
    const call = this.open(observation, options, hold, trail);
    try {
      for await (const chunk of source({ ...options, signal: call.signal })) {
        call.observation.observeChunk(chunk);
        call.waitingSince = this.sink.now();
        yield chunk;
        call.waitingSince = 0;
        if (call.outcome === 'abandoned') throw abandoned();
      }
      // LangChain's completions stream returns quietly when its signal fires.
      call.settle(call.signal.aborted ? 'aborted' : 'ok');
    } catch (error) {
      throw this.failed(call, error);
    } finally {
      // Still live here only when the consumer stopped iterating (`break`, `return`).
      call.settle('abandoned');
    }
  }

  /** Settles a call that threw, keeping why on its row, and returns what the caller gets thrown. */
  private failed(call: LiveCall, error: unknown): unknown {
    const thrown = upstreamCallError(error, this.target, this.sink.now() - call.observation.startedAt);
    call.settle(isAbort(error, call.signal) ? 'aborted' : 'error', callFailure(thrown, [this.target.apiKey]));
    return thrown;
  }

  private released<O>(hold: CallHold | null, options: O): O {
    if (hold) this.sink.release(hold);
    return options;
  }

  private observe(messages: BaseMessage[], options: CallOptionsLike): CallObservation {
    const extras = [options.tools, options.response_format].filter((x) => x !== undefined);
    return new CallObservation(this.sink.now(), messages, extras.length ? JSON.stringify(extras) : '');
  }

  private open(observation: CallObservation, options: CallOptionsLike, hold: CallHold | null, trail: AttemptTrail | undefined): LiveCall {
    const call = new LiveCall(observation, this.sink, options.signal);
    call.hold = hold;
    if (trail) Object.assign(observation, trail.next(call.id));
    this.sink.open(call);
    return call;
  }
}

/** What a consumer that comes back to a stream already recorded as abandoned gets. */
export function abandoned(): LlmManagerError {
  return new LlmManagerError(
    'STREAM_ABANDONED',
    'This stream waited for its reader longer than abandonedStreamMs and was closed and recorded as abandoned. ' +
      'Read streams promptly, or raise abandonedStreamMs (env LLM_MGR_ABANDONED_STREAM_MS).',
  );
}

function isAbort(error: unknown, signal: AbortSignal): boolean {
  if (signal.aborted) return true;
  if (!(error instanceof Error)) return false;
  return error.name === 'AbortError' || error.name === 'APIUserAbortError' || error.message === 'AbortError';
}
