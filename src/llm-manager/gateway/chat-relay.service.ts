import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response as ExpressResponse } from 'express';
import { CallRecorder } from '../builder/call-recorder';
import type { CallSink } from '../builder/call-tracker';
import { AttemptTrail } from '../builder/attempt-trail';
import type { LiveCall } from '../builder/live-call';
import { upstreamStatusCode } from '../builder/upstream-call-error';
import { LlmManagerError } from '../common/llm-manager.error';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { agentNameOf, readChatRequest, upstreamBody, wantsStreamUsage, type ClientChatRequest } from './chat-request';
import { asLiveCall } from './gateway-call';
import { GatewayRoutes } from './gateway-routes';
import type { GatewayCaller } from './gateway-token.guard';
import { parseJsonObject } from './json-object';
import { relayStream } from './stream-relay';
import type { UpstreamRoute } from './upstream-route';
import { readAll, UpstreamClient } from './upstream-client';
import { bodyOf, postUpstream, relayUpstreamError, succeeded } from './upstream-exchange';
import { WireObservation } from './wire-observation';

/**
 * `POST /v1/chat/completions`: resolves the model as `getUserLlm()` does, sends the client's body upstream (model
 * id and extra_body applied) and passes the upstream's answer back as bytes, not re-serialised through LangChain.
 * Every request that leaves is one live call of the builder's recorder, so it ends in exactly one usage row:
 * `ok`, `error` (upstream status, unreachable, dropped stream), `aborted` (the client went away) or `abandoned`.
 * A slot's fallback chain takes a 429, a 5xx or an unreachable upstream before any byte reaches the client (issue 18);
 * no retries here: the last model's 429 or 5xx reaches the client with its status, body and Retry-After.
 */
@Injectable()
export class ChatRelay {
  constructor(
    private readonly routes: GatewayRoutes,
    private readonly recorder: CallRecorder,
    private readonly client: UpstreamClient,
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
  ) {}

  async relay(caller: GatewayCaller, req: Request, res: ExpressResponse): Promise<void> {
    const request = readChatRequest(req.body);
    caller.requireModel(request.model);
    const route = await this.routes.resolve(caller.userId, request.model, agentNameOf(req.headers['x-llm-agent']));
    // A slot's fallback chain (issue 18): the next model takes a 429, 5xx or unreachable upstream, before any byte.
    const chain = [route, ...(route.fallbacks ?? [])];
    const trail = new AttemptTrail();
    for (const [index, target] of chain.entries()) {
      const last = index === chain.length - 1;
      try {
        const answered = await asLiveCall(
          this.recorder, target, caller, res, (startedAt) => new WireObservation(startedAt, request),
          (call, observation, sink) => this.answer(request, target, call, observation, res, sink, last), trail,
        );
        // Answered, or the client went away (undefined): either way nobody waits for the next model.
        if (answered !== false) return;
      } catch (error) {
        if (last || !(error instanceof LlmManagerError && error.code === 'UPSTREAM_ERROR' && !res.headersSent)) throw error;
      }
    }
  }

  /** Answers the client from `route`; false when it failed in a way the next model of the chain takes over. */
  private async answer(
    request: ClientChatRequest,
    route: UpstreamRoute,
    call: LiveCall,
    observation: WireObservation,
    res: ExpressResponse,
    sink: CallSink,
    last: boolean,
  ): Promise<boolean> {
    const upstream = await postUpstream(this.client, route, '/chat/completions', upstreamBody(request, route), call, this.options.requestTimeoutMs);
    if (!last && (upstream.status === 429 || upstream.status >= 500)) {
      await bodyOf(() => readAll(upstream), call.signal);
      call.settle('error', upstreamStatusCode(upstream.status));
      return false;
    }
    if (!succeeded(upstream)) {
      await relayUpstreamError(upstream, route, call, res);
      return true;
    }
    if (request.stream === true) {
      await relayStream(upstream, res, call, observation, { keepUsageChunk: wantsStreamUsage(request), now: sink.now });
      return true;
    }
    const bytes = await bodyOf(() => readAll(upstream), call.signal);
    const completion = parseJsonObject(bytes.toString('utf8'));
    if (completion !== null) observation.observeCompletion(completion);
    call.settle('ok');
    res.status(upstream.status).setHeader('content-type', upstream.header('content-type') ?? 'application/json');
    res.end(bytes);
    return true;
  }
}
