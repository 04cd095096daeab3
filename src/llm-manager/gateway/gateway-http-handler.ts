import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ChatRelay } from './chat-relay.service';
import { EmbeddingsRelay } from './embeddings-relay.service';
import { GatewayAuthenticator } from './gateway-authenticator';
import { GatewayModelsService } from './gateway-models.service';
import { sendCachableJson } from './json-reply';

/** The gateway's three routes, as the fast path names them. */
export type GatewayEndpoint = 'chat' | 'embeddings' | 'models';

/** A request once the parsers before the gateway ran: `body` is what they made of it (undefined: nothing parsed). */
export type ParsedRequest = IncomingMessage & { body?: unknown };

/**
 * The gateway served from a bare node:http request, with no framework between: the same token check, relays and
 * model list as GatewayController, only without Express routing and Nest's guard, filter and parameter pipeline.
 * It answers exactly the method and path each route is written with; anything else (another spelling, HEAD, an
 * unknown /v1 path) is left to the framework's router, which serves or refuses it as before.
 */
@Injectable()
export class GatewayHttpHandler {
  constructor(
    private readonly authenticator: GatewayAuthenticator,
    private readonly chat: ChatRelay,
    private readonly embeddings: EmbeddingsRelay,
    private readonly models: GatewayModelsService,
  ) {}

  /** The route `req` names, or null when it names none of them exactly. */
  endpointOf(req: IncomingMessage): GatewayEndpoint | null {
    const url = req.url ?? '';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (req.method === 'POST') {
      if (path === '/v1/chat/completions') return 'chat';
      if (path === '/v1/embeddings') return 'embeddings';
    } else if (req.method === 'GET' && path === '/v1/models') {
      return 'models';
    }
    return null;
  }

  /**
   * Serves `endpoint`. Errors propagate for the caller to answer in OpenAI's shape (sendOpenAiError), as the
   * controller's filter does. The socket's address is the client's: the standalone server sets no `trust proxy`.
   */
  async serve(endpoint: GatewayEndpoint, req: ParsedRequest, res: ServerResponse): Promise<void> {
    const caller = await this.authenticator.callerFor(req.headers, req.socket.remoteAddress);
    switch (endpoint) {
      case 'chat':
        return this.chat.relay(caller, req.body, req.headers, res);
      case 'embeddings':
        return this.embeddings.relay(caller, req.body, req.headers, res);
      case 'models':
        return sendCachableJson(req, res, await this.models.list(caller));
    }
  }
}
