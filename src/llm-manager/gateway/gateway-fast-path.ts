import type { INestApplication } from '@nestjs/common';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import { GatewayHttpHandler, type ParsedRequest } from './gateway-http-handler';
import { sendOpenAiError } from './openai-error';

/** A connect-style step (the gateway's throttle, its body parsers) run before the gateway, as Express runs it. */
export type GatewayPreHandler = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * Puts the gateway in front of the app's framework on its own HTTP server: a request naming one of the gateway's
 * routes exactly is served by GatewayHttpHandler after `before` (the same steps the app mounts on `/v1` for
 * Express), everything else goes to the framework as before. Bench P6: Express's router, its request set-up and
 * Nest's guard/filter/parameter pipeline were about a tenth of the gateway's CPU per call.
 *
 * For the standalone server, which owns every route. A host app keeps the controller path: this would skip its own
 * middleware (CORS, logging, `trust proxy`) on /v1. Call after the app is created and before it listens.
 */
export function installGatewayFastPath(app: INestApplication, before: readonly GatewayPreHandler[]): void {
  const gateway = app.get(GatewayHttpHandler);
  const server = app.getHttpServer() as Server;
  const listeners = server.listeners('request') as RequestListener[];
  if (listeners.length !== 1) throw new Error(`The gateway's fast path expects one request listener on the server, found ${listeners.length}.`);
  const framework = listeners[0]!;
  server.removeListener('request', framework);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const endpoint = gateway.endpointOf(req);
    if (endpoint === null) {
      framework(req, res);
      return;
    }
    runSteps(before, req, res, () => {
      gateway.serve(endpoint, req as ParsedRequest, res).catch((error: unknown) => sendOpenAiError(res, error));
    });
  });
}

/** Runs `steps` in order, as Express would: a step that calls `next(error)` ends the chain with that error answered. */
function runSteps(steps: readonly GatewayPreHandler[], req: IncomingMessage, res: ServerResponse, done: () => void): void {
  let index = 0;
  const next = (error?: unknown): void => {
    if (error !== undefined) {
      sendOpenAiError(res, error);
      return;
    }
    const step = steps[index++];
    if (step === undefined) {
      done();
      return;
    }
    try {
      step(req, res, next);
    } catch (thrown) {
      sendOpenAiError(res, thrown);
    }
  };
  next();
}
