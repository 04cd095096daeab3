import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const chunk = (content: string): string =>
  `data: ${JSON.stringify({ id: 'slow-1', object: 'chat.completion.chunk', created: 1, model: 'slow', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
const COMPLETION = JSON.stringify({
  id: 'slow-1', object: 'chat.completion', created: 1, model: 'slow',
  choices: [{ index: 0, message: { role: 'assistant', content: 'all of it' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
});

/**
 * An upstream that answers at once and then takes its time, by the requested model: `stall-json` (half a JSON
 * completion, then nothing), `trickle-json` (a JSON completion in 6 pieces, `gapMs` apart), `stall-stream` (two
 * chunks, then nothing), `trickle-stream` (6 chunks `gapMs` apart, then `[DONE]`). Counts requests whose client
 * went away before the answer ended (`cancelled`).
 */
export async function startStallingUpstream(gapMs: number): Promise<{ url: string; cancelled: () => number; close: () => Promise<void> }> {
  let cancelled = 0;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (data: Buffer) => (raw += data.toString('utf8')));
    req.on('end', () => {
      const model = (JSON.parse(raw) as { model: string }).model;
      const timers: NodeJS.Timeout[] = [];
      res.on('close', () => {
        timers.forEach(clearTimeout);
        if (!res.writableFinished) cancelled += 1;
      });
      const later = (step: number, write: () => void): void => void timers.push(setTimeout(write, step * gapMs));
      if (model.endsWith('-json')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        const pieces = Array.from({ length: 6 }, (_, i) => COMPLETION.slice((i * COMPLETION.length) / 6, ((i + 1) * COMPLETION.length) / 6));
        res.write(pieces[0]);
        if (model === 'trickle-json') pieces.slice(1).forEach((piece, i) => later(i + 1, () => (i === 4 ? res.end(piece) : res.write(piece))));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(chunk('one '));
      if (model === 'stall-stream') return void res.write(chunk('two '));
      for (let i = 1; i < 6; i++) later(i, () => res.write(chunk(`part${i} `)));
      later(6, () => res.end('data: [DONE]\n\n'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    cancelled: () => cancelled,
    close: () => new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    }),
  };
}
