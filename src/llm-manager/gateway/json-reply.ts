import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * `body` as a JSON answer with `status`, on a bare node:http response as on Express's (which extends it): the same
 * `Content-Type` Express's `res.json()` sends, the length, one write.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  writeJson(res, status, JSON.stringify(body));
}

/**
 * A GET's 200 JSON answer with the weak ETag Express's `res.json()` gives it (its default `etag` setting), answered
 * `304 Not Modified` without a body when the request's `If-None-Match` names it, as Express's `req.fresh` decides
 * (not under `Cache-Control: no-cache`). `GET /v1/models` on the fast path: clients that poll the list keep their
 * cached copy, as they do on the controller path.
 */
export function sendCachableJson(req: IncomingMessage, res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  const tag = weakEtag(text);
  res.setHeader('etag', tag);
  if (isFresh(req, tag)) {
    res.statusCode = 304;
    res.end();
    return;
  }
  writeJson(res, 200, text);
}

function writeJson(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/** Express's weak ETag (the `etag` package): the byte length in hex and the first 27 characters of the SHA-1 in base64. */
function weakEtag(text: string): string {
  const hash = createHash('sha1').update(text, 'utf8').digest('base64').slice(0, 27);
  return `W/"${Buffer.byteLength(text).toString(16)}-${hash}"`;
}

/** `Cache-Control: no-cache` as the `fresh` package reads it: the client asks for the answer again. */
const NO_CACHE = /(?:^|,)\s*?no-cache\s*?(?:,|$)/;

/**
 * Whether the client's copy tagged `If-None-Match` is `tag`, decided as the `fresh` package (Express's `req.fresh`)
 * decides it for an answer with an ETag and no Last-Modified: its token list, its three comparisons, `*` as is.
 */
function isFresh(req: IncomingMessage, tag: string): boolean {
  const noneMatch = req.headers['if-none-match'];
  if (!noneMatch) return false;
  const cacheControl = req.headers['cache-control'];
  if (cacheControl && NO_CACHE.test(cacheControl)) return false;
  if (noneMatch === '*') return true;
  return tokenList(noneMatch).some((match) => match === tag || match === `W/${tag}` || `W/${match}` === tag);
}

/** `fresh`'s parseTokenList: comma-separated, spaces (only spaces) around each token dropped. */
function tokenList(header: string): string[] {
  const list: string[] = [];
  let start = 0;
  let end = 0;
  for (let i = 0; i < header.length; i++) {
    const code = header.charCodeAt(i);
    if (code === 0x20) {
      if (start === end) start = end = i + 1;
    } else if (code === 0x2c) {
      list.push(header.substring(start, end));
      start = end = i + 1;
    } else {
      end = i + 1;
    }
  }
  list.push(header.substring(start, end));
  return list;
}
