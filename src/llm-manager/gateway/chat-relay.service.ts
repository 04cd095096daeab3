import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response as ExpressResponse } from 'express';
import { CallRecorder } from '../builder/call-recorder';
import type { CallSink } from '../builder/call-tracker';
import type { LiveCall } from '../builder/live-call';
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
 * No retries here: a 429 or 5xx reaches the client with its status, body and Retry-After.
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
    await asLiveCall(this.recorder, route, caller, res, (startedAt) => new WireObservation(startedAt, request), (call, observation, sink) =>
      this.answer(request, route, call, observation, res, sink),
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
    const upstream = await postUpstream(this.client, route, '/chat/completions', upstreamBody(request, route), call, this.options.requestTimeoutMs);
    if (!succeeded(upstream)) return relayUpstreamError(upstream, route, call, res);
    if (request.stream === true) {
      return relayStream(upstream, res, call, observation, { keepUsageChunk: wantsStreamUsage(request), now: sink.now });
    }
    const bytes = await bodyOf(() => readAll(upstream), call.signal);
    const completion = parseJsonObject(bytes.toString('utf8'));
    if (completion !== null) observation.observeCompletion(completion);
    call.settle('ok');
    res.status(upstream.status).setHeader('content-type', upstream.header('content-type') ?? 'application/json');
    res.end(bytes);
  }

}
