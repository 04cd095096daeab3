import { Inject, Injectable } from '@nestjs/common';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { AttemptTrail } from '../builder/attempt-trail';
import { CallRecorder } from '../builder/call-recorder';
import type { RetryLoop } from '../builder/retry-loop';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { agentNameOf } from './chat-request';
import { EmbeddingsObservation, embeddingsUpstreamBody, readEmbeddingsRequest } from './embeddings-request';
import { gatewayRetryLoop, walkAttempts } from './gateway-attempts';
import { asLiveCall } from './gateway-call';
import { GatewayRoutes } from './gateway-routes';
import type { GatewayCaller } from './gateway-caller';
import { UpstreamClient } from './upstream-client';
import { postUpstream, relayJsonAnswer, relayUpstreamError, succeeded } from './upstream-exchange';

/**
 * `POST /v1/embeddings`, through platforms that serve it: the model resolves as for chat (a usage slot or
 * `platform/model`), the client's body goes upstream with the model id, the answer comes back as bytes. One usage
 * row per attempt: the provider's `usage.prompt_tokens`, else the estimate of the text inputs; completion 0. A 429, a
 * 5xx or an unreachable upstream is retried as for chat (`maxRetries`, `retryBackoff`). A platform without embeddings
 * answers with its own error (often 404), passed on in OpenAI's shape.
 */
@Injectable()
export class EmbeddingsRelay {
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
    const request = readEmbeddingsRequest(body);
    caller.requireModel(request.model);
    const route = await this.routes.resolve(caller.userId, request.model, agentNameOf(headers['x-llm-agent']), false);
    const trail = new AttemptTrail();
    // Retried like chat; a slot's fallbacks are chat models, so embeddings stay on the slot's own model.
    await walkAttempts(this.retry, [route], res, (target, clientGone) =>
      asLiveCall(this.recorder, target, caller, res, (startedAt) => new EmbeddingsObservation(startedAt, request), async (call, observation) => {
        const upstream = await postUpstream(this.client, target, '/embeddings', embeddingsUpstreamBody(request, target), call, this.options.requestTimeoutMs, 'whole');
        if (!succeeded(upstream)) return relayUpstreamError(upstream, target, call, res);
        await relayJsonAnswer(upstream, call, res, (answer) => observation.observeAnswer(answer));
      }, trail, clientGone),
    );
  }
}
