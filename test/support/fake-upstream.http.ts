import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorScript, JsonObject } from './fake-upstream.types';
import { openAiErrorBody } from './openai-error';

export function parseJsonObject(raw: string): JsonObject | undefined {
  if (raw.length === 0) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as JsonObject) : undefined;
  } catch (error: unknown) {
    // A malformed body is the client's bug, reported to it as OpenAI would: a 400, not a crashed fake.
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(Buffer.isBuffer(part) ? part : Buffer.from(String(part)));
  return Buffer.concat(parts).toString('utf8');
}

/** Resolves after `ms`, or at once when the exchange is closed, so no timer outlives a closed socket. */
export function pause(ms: number, closed: AbortSignal): Promise<void> {
  if (ms <= 0 || closed.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      closed.removeEventListener('abort', done);
      resolve();
    }
    closed.addEventListener('abort', done, { once: true });
  });
}

/** Resolves once `text` is handed to the kernel (or the socket is gone), so a later destroy cannot drop it. */
export function writeFlushed(res: ServerResponse, text: string): Promise<void> {
  return new Promise((resolve) => {
    res.write(text, () => resolve());
  });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: JsonObject,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, error: ErrorScript): void {
  const retryAfter = error.retryAfterSeconds ?? (error.status === 429 ? 1 : undefined);
  const headers: Record<string, string> = retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) };
  sendJson(res, error.status, openAiErrorBody(error.status, error.message), headers);
}
