import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { LookupAddress } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { pipeline, Readable, type Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { LlmManagerError } from '../common/llm-manager.error';
import { UrlGuard } from '../security/url-guard';

/** The shape of the global `fetch`, which the OpenAI SDK accepts as `ClientOptions.fetch`. */
export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** Redirects a guarded request follows, each hop checked again. */
export const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
const DECODERS: Record<string, () => Transform> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/** One request of a redirect chain. */
interface Hop {
  url: URL;
  method: string;
  headers: Headers;
  body: Buffer | undefined;
}

/**
 * The one door to the network for requests llm-mgr makes itself (probes) and for models of users' own platforms.
 *
 * `guardedFetch` enforces B8 (see UrlGuard). The global fetch cannot: the undici `Agent` whose `connect.lookup`
 * would check the connected address is not importable here (only Node's internal copy exists, reachable through
 * an undocumented symbol and the undocumented `dispatcher` init). So guarded requests go through `node:http` /
 * `node:https`: each hop resolves its host once through UrlGuard, which refuses any non-public answer, and the
 * socket connects to that checked address (Host header and TLS server name stay the URL's), so DNS gets no second
 * chance to answer differently. Redirects are followed here, at most five, each hop checked the same way; the
 * Authorization header is dropped when a redirect leaves the origin, as the Fetch standard does.
 */
@Injectable()
export class UpstreamHttp implements OnApplicationShutdown {
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  constructor(private readonly guard: UrlGuard) {
    // Requests below connect to checked addresses, which need no lookup. Agent options reach every socket the agent
    // opens, so should one ever be opened by name, UrlGuard checks that name's answers too.
    this.httpAgent = new HttpAgent({ keepAlive: true, lookup: guard.lookup });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, lookup: guard.lookup });
  }

  /** After the drain of calls in flight (`beforeApplicationShutdown`), never before it: they still use these sockets. */
  onApplicationShutdown(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  /** Unguarded: for URLs of the operator (system platforms) and the host app's own calls. */
  fetch(url: string, init: RequestInit): Promise<Response> {
    return fetch(url, init);
  }

  /**
   * `fetch` for URLs that users supplied: refuses non-public addresses with `URL_NOT_ALLOWED` (also after a DNS
   * change or a redirect) unless the operator allows them. An arrow, because the OpenAI SDK calls it unbound.
   */
  readonly guardedFetch: FetchFunction = async (input, init) => {
    if (!this.guard.enforced) return fetch(input, init);
    // The signal is kept out of Request so that one from another realm (a test runner's) still works.
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined) ?? undefined;
    const request = new Request(input, { ...init, signal: null });
    let hop: Hop = {
      url: new URL(request.url),
      method: request.method,
      headers: new Headers(request.headers),
      body: request.body ? Buffer.from(await request.arrayBuffer()) : undefined,
    };
    for (let redirects = 0; ; redirects += 1) {
      const response = await this.send(hop, signal);
      const location = response.headers.get('location');
      if (!REDIRECT_STATUSES.has(response.status) || location === null || request.redirect === 'manual') return response;
      await response.body?.cancel();
      if (request.redirect === 'error') throw new TypeError('fetch failed', { cause: new Error(`unexpected redirect to ${location}`) });
      if (redirects === MAX_REDIRECTS) {
        throw new LlmManagerError('UPSTREAM_ERROR', `${hop.url.host} redirected more than ${MAX_REDIRECTS} times; check base_url.`);
      }
      hop = nextHop(hop, response.status, new URL(location, hop.url));
    }
  };

  private async send(hop: Hop, signal: AbortSignal | undefined): Promise<Response> {
    let target: LookupAddress;
    try {
      target = await this.guard.connectAddress(hop.url);
    } catch (error) {
      throw fetchError(error instanceof Error ? error : new Error(String(error)));
    }
    return new Promise<Response>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const secure = hop.url.protocol === 'https:';
      const headers: Record<string, string> = { ...Object.fromEntries(hop.headers), host: hop.url.host };
      if (hop.body) headers['content-length'] = String(hop.body.length);
      const name = hop.url.hostname.replace(/^\[|\]$/g, '');
      const options: RequestOptions & { servername?: string } = {
        hostname: target.address,
        family: target.family,
        port: hop.url.port || (secure ? 443 : 80),
        path: `${hop.url.pathname}${hop.url.search}`,
        method: hop.method,
        headers,
        agent: secure ? this.httpsAgent : this.httpAgent,
        // Certificates are checked against the name the user gave, not the address we connect to.
        ...(secure && !isIP(name) ? { servername: name } : {}),
      };
      const req = secure ? httpsRequest(options) : httpRequest(options);
      let res: IncomingMessage | undefined;
      const onAbort = (): void => {
        // The body fails with the signal's own reason (an AbortError or TimeoutError), as with the global fetch.
        const reason: unknown = signal?.reason;
        const error = typeof reason === 'object' && reason !== null ? (reason as Error) : new Error(String(reason));
        req.destroy(error);
        res?.destroy(error);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      const release = (): void => signal?.removeEventListener('abort', onAbort);
      req.on('error', (error) => {
        release();
        reject(signal?.aborted ? signal.reason : fetchError(error));
      });
      req.on('response', (message: IncomingMessage) => {
        res = message;
        message.on('close', release);
        resolve(toResponse(message, hop.method));
      });
      req.end(hop.body);
    });
  }
}

/** The request a redirect asks for, per the Fetch standard's method and header rules. */
function nextHop(hop: Hop, status: number, target: URL): Hop {
  if (target.protocol !== 'http:' && target.protocol !== 'https:') {
    throw new LlmManagerError('URL_NOT_ALLOWED', `The upstream redirected to a ${target.protocol.replace(':', '')} URL; only http and https are followed.`);
  }
  const headers = new Headers(hop.headers);
  if (target.origin !== hop.url.origin) {
    headers.delete('authorization');
    headers.delete('cookie');
    headers.delete('proxy-authorization');
  }
  const toGet = status === 303 ? hop.method !== 'HEAD' : (status === 301 || status === 302) && hop.method === 'POST';
  if (!toGet) return { url: target, method: hop.method, headers, body: hop.body };
  for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) headers.delete(name);
  return { url: target, method: 'GET', headers, body: undefined };
}

/** Failures look like the global fetch's (a TypeError with the socket error as cause), except the guard's own. */
function fetchError(error: Error): Error {
  return error instanceof LlmManagerError ? error : new TypeError('fetch failed', { cause: error });
}

function toResponse(message: IncomingMessage, method: string): Response {
  const headers = new Headers();
  for (let i = 0; i + 1 < message.rawHeaders.length; i += 2) headers.append(message.rawHeaders[i], message.rawHeaders[i + 1]);
  const status = message.statusCode ?? 502;
  const init = { status, statusText: message.statusMessage ?? '', headers };
  if (NULL_BODY_STATUSES.has(status) || method === 'HEAD') {
    message.resume();
    return new Response(null, init);
  }
  const decoder = DECODERS[(headers.get('content-encoding') ?? '').trim().toLowerCase()];
  // pipeline destroys the decoder with any error of the socket, so the reader of the body sees it; nothing to do here.
  const stream: Readable = decoder ? pipeline(message, decoder(), () => undefined) : message;
  return new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, init);
}
