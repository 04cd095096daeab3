import type { ServerResponse } from 'node:http';

/**
 * `body` as a JSON answer with `status`, on a bare node:http response as on Express's (which extends it): the same
 * `Content-Type` Express's `res.json()` sends, the length, one write.
 */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}
