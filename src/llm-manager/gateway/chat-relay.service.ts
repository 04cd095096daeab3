import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response as ExpressResponse } from 'express';
import { CallRecorder } from '../builder/call-recorder';
import { gatewayTokenId } from './gateway-token.guard';
import type { CallSink } from '../builder/call-tracker';
import { LiveCall } from '../builder/live-call';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { agentNameOf, readChatRequest, upstreamBody, wantsStreamUsage, type ClientChatRequest } from './chat-request';
import { GatewayRoutes } from './gateway-routes';
import { parseJsonObject } from './json-object';
import { relayStream } from './stream-relay';
import { brokenOff, unreachable, upstreamErrorBody } from './upstream-error';
import type { UpstreamRoute } from './upstream-route';
import { readAll, UpstreamClient, type UpstreamAnswer } from './upstream-client';
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

  async relay(userId: string, req: Request, res: ExpressResponse): Promise<void> {
    const request = readChatRequest(req.body);
    const route = await this.routes.resolve(userId, request.model, agentNameOf(req.headers['x-llm-agent']));
    const sink = this.recorder.sinkFor({ ...route.billing, tokenId: gatewayTokenId(req) });
    const clientGone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) clientGone.abort(new Error('The client closed the connection.'));
    });
    const observation = new WireObservation(sink.now(), request);
    // Budgets: refused here (402 BUDGET_EXCEEDED) before anything leaves; no await when no budget applies.
    const admission = sink.admit(observation);
    const hold = admission === null ? null : await admission;
    const call = new LiveCall(observation, sink, clientGone.signal);
    call.hold = hold;
    sink.open(call);
    try {
      await this.answer(request, route, call, observation, res, sink);
    } catch (error) {
      call.settle('error');
      // Nobody is left to answer when the client went away.
      if (!clientGone.signal.aborted) throw error;
    }
  }

  private async answer(
    request: ClientChatRequest,
    route: UpstreamRoute,
    call: LiveCall,
    observation: WireObservation,
    res: ExpressResponse,
    sink: CallSink,
  ): Promise<void> {
    const upstream = await this.send(route, upstreamBody(request, route), call);
    if (upstream.status < 200 || upstream.status > 299) {
      const text = (await bodyOf(() => readAll(upstream), call.signal)).toString('utf8');
      call.settle('error');
      const retryAfter = upstream.header('retry-after');
      if (retryAfter !== null) res.setHeader('retry-after', retryAfter);
      res.status(upstream.status).json(upstreamErrorBody(upstream.status, text, route.apiKey));
      return;
    }
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

  /** The request upstream, on the call's signal; `requestTimeoutMs` bounds the wait for the status line. */
  private async send(route: UpstreamRoute, body: string, call: LiveCall): Promise<UpstreamAnswer> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    if (route.apiKey !== null) headers['authorization'] = `Bearer ${route.apiKey}`;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      call.stop('error', new Error('requestTimeoutMs elapsed'));
    }, this.options.requestTimeoutMs);
    try {
      return await this.client.post(route, '/chat/completions', headers, body, call.signal);
    } catch (error) {
      throw unreachable(error, this.options.requestTimeoutMs, timedOut);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * An upstream body that breaks off (the socket dropped) is the upstream's failure: a 502, not a 500. A call stopped
 * from outside says why (shutdown: 503 `SHUTTING_DOWN`).
 */
async function bodyOf<T>(read: () => Promise<T>, signal: AbortSignal): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw brokenOff(signal.aborted ? signal.reason : error);
  }
}
