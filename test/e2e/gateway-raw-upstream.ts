import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Bytes a re-serialising proxy could not reproduce: a comment line, an `event:` field, CRLF line ends, spaces inside
 * the JSON, an unusual key order, a field the OpenAI types do not know, and a usage-only chunk.
 */
export const RAW_SSE_CONTENT = [
  ': keep-alive\r\n\r\n',
  'data: {"id":"raw-1", "object":"chat.completion.chunk","created":1,"model":"raw-model","choices":[{"delta":{"role":"assistant","content":"Hel"},"index":0,"finish_reason":null}],"x_vendor":{"k":1}}\r\n\r\n',
  'event: message\ndata: {"choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}], "id":"raw-1","object":"chat.completion.chunk","created":1,"model":"raw-model"}\n\n',
];
export const RAW_SSE_USAGE = 'data: {"id":"raw-1","object":"chat.completion.chunk","created":1,"model":"raw-model","choices":[],"usage":{"prompt_tokens":30,"completion_tokens":2,"total_tokens":32}}\n\n';
export const RAW_SSE_DONE = 'data: [DONE]\n\n';

/** A one-route upstream answering every chat request with the raw stream above. */
export async function startRawSseUpstream(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      res.end([...RAW_SSE_CONTENT, RAW_SSE_USAGE, RAW_SSE_DONE].join(''));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }),
  };
}
