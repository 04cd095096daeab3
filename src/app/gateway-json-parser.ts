import { json } from 'express';
import type { IncomingMessage } from 'node:http';
import type { GatewayPreHandler } from '../llm-manager/gateway/gateway-fast-path';

/** What an OpenAI client sends: `application/json`, perhaps with `charset=utf-8`, nothing else. */
const PLAIN_JSON = /^application\/json\s*(?:;\s*charset="?utf-8"?\s*)?$/i;
const DIGITS = /^\d+$/;
/** body-parser's strict mode: a JSON body is an object or an array. */
const FIRST_CHARACTER = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d])/;
const BYTE_ORDER_MARK = 0xfeff;

type Next = (error?: unknown) => void;

/**
 * The gateway's JSON parser, with its own limit. The body every OpenAI client sends (plain `application/json` in
 * UTF-8 with a Content-Length, not compressed) is read here, in one buffer; anything else (another charset, gzip,
 * chunked, an empty body) goes to Express's json parser with the same limit, which reads it as before. Both fail
 * alike: body-parser's errors (`entity.too.large` 413, `entity.parse.failed` 400, after the body was read whole),
 * which the one error mapping answers. Bench P6: body-parser's layers cost about as much as the JSON parse itself.
 *
 * Named other than `jsonParser`: Nest skips its own parser when it finds a middleware of that name, which would
 * leave every other route without one. It runs before Nest's (added at `init()`, 100 kB), which then finds the body
 * read and leaves it alone.
 */
export function gatewayJsonParser(limitBytes: number): GatewayPreHandler {
  const general = json({ limit: limitBytes });
  return function gatewayJsonParser(req, res, next) {
    const length = plainJsonLength(req);
    if (length === null) {
      general(req, res, next);
      return;
    }
    if (length > limitBytes) {
      afterBody(req, () => next(bodyError(413, 'entity.too.large', 'request entity too large', { limit: limitBytes })));
      return;
    }
    readWhole(req, length, (error, body) => {
      if (error !== null) {
        next(error);
        return;
      }
      try {
        (req as IncomingMessage & { body?: unknown }).body = parseStrict(body!);
      } catch (parseError) {
        next(bodyError(400, 'entity.parse.failed', parseError instanceof Error ? parseError.message : 'invalid JSON'));
        return;
      }
      next();
    });
  };
}

/** The Content-Length of a plain JSON body, or null when body-parser should read it. */
function plainJsonLength(req: IncomingMessage): number | null {
  const { headers } = req;
  if (headers['content-encoding'] !== undefined || headers['transfer-encoding'] !== undefined) return null;
  const type = headers['content-type'];
  const length = headers['content-length'];
  if (type === undefined || !PLAIN_JSON.test(type) || length === undefined || !DIGITS.test(length)) return null;
  const bytes = Number(length);
  return bytes > 0 ? bytes : null;
}

/**
 * Reads exactly `length` bytes (node:http stops at the Content-Length). Chunks are kept as they arrive and joined at
 * the end: memory follows the bytes received, never the length a client claims (before it has shown a token).
 */
function readWhole(req: IncomingMessage, length: number, done: (error: Error | null, body?: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let received = 0;
  const onData = (chunk: Buffer): void => {
    received += chunk.length;
    if (received <= length) chunks.push(chunk);
  };
  const finish = (error: Error | null): void => {
    req.off('data', onData);
    req.off('end', onEnd);
    req.off('aborted', onAborted);
    req.off('error', finish);
    done(error, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, Math.min(received, length)));
  };
  const onEnd = (): void =>
    finish(received === length ? null : bodyError(400, 'request.size.invalid', 'request size did not match content length'));
  const onAborted = (): void => finish(bodyError(400, 'request.aborted', 'request aborted'));
  req.on('data', onData);
  req.once('end', onEnd);
  req.once('aborted', onAborted);
  req.once('error', finish);
}

/** As body-parser decodes (UTF-8, byte order mark dropped) and parses in strict mode. */
function parseStrict(body: Buffer): unknown {
  let text = body.toString('utf8');
  if (text.charCodeAt(0) === BYTE_ORDER_MARK) text = text.slice(1);
  if (text.length === 0) return {};
  const first = FIRST_CHARACTER.exec(text)?.[1];
  if (first !== '{' && first !== '[') throw new SyntaxError(`Unexpected token ${first ?? 'end of input'} in JSON`);
  return JSON.parse(text);
}

/** Calls `then` once the request's body has arrived whole (discarded), as body-parser answers a refused body. */
function afterBody(req: IncomingMessage, then: () => void): void {
  if (req.complete) {
    then();
    return;
  }
  let called = false;
  const once = (): void => {
    if (called) return;
    called = true;
    then();
  };
  req.once('end', once);
  req.once('close', once);
  req.resume();
}

/** An error shaped as body-parser's (http-errors): its status and `type`, what the error mapping reads. */
function bodyError(status: number, type: string, message: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { status, statusCode: status, type, expose: status < 500, ...extra });
}
