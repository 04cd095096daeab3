import { Inject, Injectable } from '@nestjs/common';
import type { Request, Response as ExpressResponse } from 'express';
import { CallRecorder } from '../builder/call-recorder';
import type { CallSink } from '../builder/call-tracker';
import { AttemptTrail } from '../builder/attempt-trail';
import { LiveCall } from '../builder/live-call';
import { LlmManagerError } from '../common/llm-manager.error';
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

  async relay(userId: string, req: Request, res: ExpressResponse): Promise<void> {
    const request = readChatRequest(req.body);
    const route = await this.routes.resolve(userId, request.model, agentNameOf(req.headers['x-llm-agent']));
    const clientGone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) clientGone.abort(new Error('The client closed the connection.'));
    });
    // A slot's fallback chain (issue 18): the next model takes a 429, 5xx or unreachable upstream, before any byte.
    const chain = [route, ...(route.fallbacks ?? [])];
    const trail = new AttemptTrail();
    for (const [index, target] of chain.entries()) {
      const sink = this.recorder.sinkFor(target.billing);
      const observation = new WireObservation(sink.now(), request);
      const call = new LiveCall(observation, sink, clientGone.signal);
      Object.assign(observation, trail.next(call.id));
      sink.open(call);
      const last = index === chain.length - 1;
      try {
        if (await this.answer(request, target, call, observation, res, sink, last)) return;
      } catch (error) {
        call.settle('error');
        // Nobody is left to answer when the client went away.
        if (clientGone.signal.aborted) return;
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
    const upstream = await this.send(route, upstreamBody(request, route), call);
    if (!last && (upstream.status === 429 || upstream.status >= 500)) {
      await bodyOf(() => readAll(upstream), call.signal);
      call.settle('error');
      return false;
    }
    if (upstream.status < 200 || upstream.status > 299) {
      const text = (await bodyOf(() => readAll(upstream), call.signal)).toString('utf8');
      call.settle('error');
      const retryAfter = upstream.header('retry-after');
      if (retryAfter !== null) res.setHeader('retry-after', retryAfter);
      res.status(upstream.status).json(upstreamErrorBody(upstream.status, text, route.apiKey));
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
