import { Inject, Injectable } from '@nestjs/common';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { CallRecorder } from '../builder/call-recorder';
import type { CallSink } from '../builder/call-tracker';
import { AttemptTrail } from '../builder/attempt-trail';
import type { RetryLoop } from '../builder/retry-loop';
import type { LiveCall } from '../builder/live-call';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { agentNameOf, readChatRequest, upstreamBody, wantsStreamUsage, type ClientChatRequest } from './chat-request';
import { gatewayRetryLoop, walkAttempts } from './gateway-attempts';
import { asLiveCall } from './gateway-call';
import { GatewayRoutes } from './gateway-routes';
import type { GatewayCaller } from './gateway-caller';
import { relayStream } from './stream-relay';
import type { UpstreamRoute } from './upstream-route';
import { UpstreamClient } from './upstream-client';
import { postUpstream, relayJsonAnswer, relayUpstreamError, succeeded } from './upstream-exchange';
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
    this.retry = gatewayRetryLoop(options);
  }

  /** Relays one request: `body` as parsed from JSON, `headers` for `X-LLM-Agent`. */
  async relay(caller: GatewayCaller, body: unknown, headers: IncomingHttpHeaders, res: ServerResponse): Promise<void> {
    const request = readChatRequest(body);
    caller.requireModel(request.model);
    const route = await this.routes.resolve(caller.userId, request.model, agentNameOf(headers['x-llm-agent']));
    const trail = new AttemptTrail();
    await walkAttempts(this.retry, [route, ...(route.fallbacks ?? [])], res, (target, clientGone) =>
      asLiveCall(
        this.recorder, target, caller, res, (startedAt) => new WireObservation(startedAt, request),
        (call, observation, sink) => this.answer(request, target, call, observation, res, sink), trail, clientGone,
      ),
    );
  }

  private async answer(
    request: ClientChatRequest,
    route: UpstreamRoute,
    call: LiveCall,
    observation: WireObservation,
    res: ServerResponse,
    sink: CallSink,
  ): Promise<void> {
    const stream = request.stream === true;
    const upstream = await postUpstream(this.client, route, '/chat/completions', upstreamBody(request, route), call, this.options.requestTimeoutMs, stream ? 'idle' : 'whole');
    if (!succeeded(upstream)) return relayUpstreamError(upstream, route, call, res);
    if (stream) return relayStream(upstream, res, call, observation, { keepUsageChunk: wantsStreamUsage(request), now: sink.now });
    await relayJsonAnswer(upstream, call, res, (completion) => observation.observeCompletion(completion));
  }
}
