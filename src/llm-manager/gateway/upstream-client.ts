import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { UpstreamRoute } from './upstream-route';

/** An upstream's answer as the relay reads it, whichever client fetched it. */
export interface UpstreamAnswer {
  status: number;
  header(name: string): string | null;
  body: AsyncIterable<Uint8Array>;
}

/** At most this many idle sockets are kept per upstream host. */
const MAX_FREE_SOCKETS = 256;
/**
 * An idle upstream socket is closed after this long, or 1 s before the keep-alive timeout the upstream announces
 * (`Keep-Alive: timeout=5` from Node servers), whichever comes first. Node applies that announcement only when the
 * agent has a timeout of its own; without one, a socket the upstream was closing got the next request, which failed
 * with ECONNRESET (seen in bench P6 as retried attempts). A request in flight is not cut by it (requestTimeoutMs is).
 */
const IDLE_SOCKET_MS = 30_000;

/** Parsed upstream URLs kept at most (one per operator endpoint and path in practice); past it the cache starts over. */
const MAX_PARSED_URLS = 256;

/**
 * Sends a gateway request upstream. The operator's platforms go through node:http with keep-alive agents of the
 * gateway's own: the global fetch (undici plus web streams) took 2–4× the time per call on the local fake (bench P6).
 * Users' own platforms go through the builder's guarded fetch (B8), so the SSRF rules live in one place.
 */
@Injectable()
export class UpstreamClient implements OnApplicationShutdown {
  private readonly httpAgent = new HttpAgent({ keepAlive: true, maxFreeSockets: MAX_FREE_SOCKETS, timeout: IDLE_SOCKET_MS });
  private readonly httpsAgent = new HttpsAgent({ keepAlive: true, maxFreeSockets: MAX_FREE_SOCKETS, timeout: IDLE_SOCKET_MS });
  private readonly urls = new Map<string, URL>();

  /** After the recorder's shutdown drain (beforeApplicationShutdown): calls in flight keep their sockets until then. */
  onApplicationShutdown(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  async post(route: UpstreamRoute, path: string, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<UpstreamAnswer> {
    const url = `${route.baseUrl.replace(/\/+$/, '')}${path}`;
    if (route.guardedFetch !== null) return fromResponse(await route.guardedFetch(url, { method: 'POST', headers, body, signal }));
    return this.send(this.parsed(url), headers, body, signal);
  }

  /** `url` parsed once: a handful of operator endpoints serve every call. Read only by node:http, never changed. */
  private parsed(url: string): URL {
    let parsed = this.urls.get(url);
    if (parsed === undefined) {
      if (this.urls.size >= MAX_PARSED_URLS) this.urls.clear();
      parsed = new URL(url);
      this.urls.set(url, parsed);
    }
    return parsed;
  }

  private send(url: URL, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<UpstreamAnswer> {
    return new Promise<UpstreamAnswer>((resolve, reject) => {
      const secure = url.protocol === 'https:';
      const options = {
        method: 'POST',
        // Bytes are passed on as they come: no compressed answer to decode.
        headers: { ...headers, 'accept-encoding': 'identity', 'content-length': String(Buffer.byteLength(body)) },
        agent: secure ? this.httpsAgent : this.httpAgent,
        signal,
      };
      const req = secure ? httpsRequest(url, options) : httpRequest(url, options);
      req.once('error', (error) => reject(signal.aborted ? signal.reason : error));
      req.once('response', (res: IncomingMessage) => resolve(fromMessage(res)));
      req.end(body);
    });
  }
}

function fromMessage(res: IncomingMessage): UpstreamAnswer {
  return {
    status: res.statusCode ?? 502,
    header: (name) => {
      const value = res.headers[name.toLowerCase()];
      return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
    },
    body: res,
  };
}

function fromResponse(response: Response): UpstreamAnswer {
  return {
    status: response.status,
    header: (name) => response.headers.get(name),
    body: response.body ?? emptyBody(),
  };
}

async function* emptyBody(): AsyncGenerator<Uint8Array> {}

/** The whole body of an answer. */
export async function readAll(answer: UpstreamAnswer): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of answer.body) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}
