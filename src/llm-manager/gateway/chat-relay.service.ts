import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response as ExpressResponse } from 'express';
import { CallRecorder } from '../builder/call-recorder';
import type { CallSink } from '../builder/call-tracker';
import { AttemptTrail } from '../builder/attempt-trail';
import { fallsBack } from '../builder/fallback-chain';
import { RetryLoop } from '../builder/retry-loop';
import type { LiveCall } from '../builder/live-call';
import { LlmManagerError } from '../common/llm-manager.error';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { agentNameOf, readChatRequest, upstreamBody, wantsStreamUsage, type ClientChatRequest } from './chat-request';
import { AttemptFailure } from './attempt-failure';
import { asLiveCall, clientGoneSignal } from './gateway-call';
import { GatewayRoutes } from './gateway-routes';
import type { GatewayCaller } from './gateway-token.guard';
import { parseJsonObject } from './json-object';
import { relayStream } from './stream-relay';
import type { UpstreamRoute } from './upstream-route';
import { readAll, UpstreamClient } from './upstream-client';
import { bodyOf, postUpstream, readErrorAnswer, relayUpstreamError, sendUpstreamError, succeeded } from './upstream-exchange';
import { WireObservation } from './wire-observation';

/**
 * `POST /v1/chat/completions`: resolves the model as `getUserLlm()` does, sends the client's body upstream (model
 * id and extra_body applied) and passes the upstream's answer back as bytes, not re-serialised through LangChain.
 * Every request that leaves is one live call of the builder's recorder, so it ends in exactly one usage row:
 * `ok`, `error` (upstream status, unreachable, dropped stream), `aborted` (the client went away) or `abandoned`.
 * Before any byte reaches the client, a 429, a 5xx or an unreachable upstream is retried by the project's one retry
 * loop (`maxRetries`, `retryBackoff`, Retry-After), then taken by the slot's next model (issue 18); each attempt is a
 * row with its number. The last model's last 429 or 5xx reaches the client with its status, body and Retry-After.
 */
@Injectable()
export class ChatRelay {
  private readonly retry: RetryLoop;

  constructor(
    private readonly routes: GatewayRoutes,
    private readonly recorder: CallRecorder,
    private readonly client: UpstreamClient,
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
  ) {
    this.retry = new RetryLoop({ retries: options.maxRetries, ...options.retryBackoff });
  }

  async relay(caller: GatewayCaller, req: Request, res: ExpressResponse): Promise<void> {
    const request = readChatRequest(req.body);
    caller.requireModel(request.model);
    const route = await this.routes.resolve(caller.userId, request.model, agentNameOf(req.headers['x-llm-agent']));
    const chain = [route, ...(route.fallbacks ?? [])];
    const trail = new AttemptTrail();
    // Every attempt's call follows it, and a back-off ends early when the client goes away: nobody is left to answer.
    const clientGone = clientGoneSignal(res);
    for (const [index, target] of chain.entries()) {
      const last = index === chain.length - 1;
      try {
        await this.retry.generate(() => this.attempt(request, target, caller, res, trail, clientGone), clientGone);
        return;
      } catch (error) {
        if (clientGone.aborted) return;
        // The slot's next model takes a 429, a 5xx or an unreachable upstream, before any byte reached the client.
        if (!last && !res.headersSent && (fallsBack(error) || (error instanceof LlmManagerError && error.code === 'UPSTREAM_ERROR'))) continue;
        if (!(error instanceof AttemptFailure)) throw error;
        if (error.answer === null) throw error.unanswered;
        return sendUpstreamError(res, error.answer, target.apiKey);
      }
    }
  }

  /** One request to `route`, one usage row; resolves once the client was answered, throws AttemptFailure to retry. */
  private async attempt(
    request: ClientChatRequest, route: UpstreamRoute, caller: GatewayCaller, res: ExpressResponse, trail: AttemptTrail, clientGone: AbortSignal,
  ): Promise<void> {
    await asLiveCall(
      this.recorder, route, caller, res, (startedAt) => new WireObservation(startedAt, request),
      (call, observation, sink) => this.answer(request, route, call, observation, res, sink), trail, clientGone,
    );
  }

  private async answer(
    request: ClientChatRequest,
    route: UpstreamRoute,
    call: LiveCall,
    observation: WireObservation,
    res: ExpressResponse,
    sink: CallSink,
  ): Promise<void> {
    const stream = request.stream === true;
    const upstream = await postUpstream(this.client, route, '/chat/completions', upstreamBody(request, route), call, this.options.requestTimeoutMs, stream ? 'idle' : 'whole')
      .catch((error: unknown) => {
        throw error instanceof LlmManagerError && error.code === 'UPSTREAM_ERROR' && !call.signal.aborted ? AttemptFailure.unanswered(error) : error;
      });
    if (upstream.status === 429 || upstream.status >= 500) throw AttemptFailure.answered(await readErrorAnswer(upstream, call));
    if (!succeeded(upstream)) return relayUpstreamError(upstream, route, call, res);
    if (stream) return relayStream(upstream, res, call, observation, { keepUsageChunk: wantsStreamUsage(request), now: sink.now });
    const bytes = await bodyOf(() => readAll(upstream), call.signal);
    const completion = parseJsonObject(bytes.toString('utf8'));
    if (completion !== null) observation.observeCompletion(completion);
    call.settle('ok');
    res.status(upstream.status).setHeader('content-type', upstream.header('content-type') ?? 'application/json');
    res.end(bytes);
  }
}
