import { json } from 'express';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayPreHandler } from '../llm-manager/gateway/gateway-fast-path';
import { gatewayJsonParser } from './gateway-json-parser';

const LIMIT = 64;

/** What a parser made of a request: the body, or the error's status and type. */
type Outcome = { body: unknown } | { status: unknown; type: unknown };

function serve(parser: GatewayPreHandler): Promise<Server> {
  const server = createServer((req: IncomingMessage & { body?: unknown }, res: ServerResponse) => {
    parser(req, res, (error?: unknown) => {
      const failure = error as { status?: unknown; type?: unknown } | undefined;
      const outcome: Outcome = failure === undefined ? { body: req.body ?? null } : { status: failure.status, type: failure.type };
      res.end(JSON.stringify(outcome));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function post(server: Server, body: Buffer | string, contentType: string): Promise<Outcome> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      res.on('end', () => resolve(JSON.parse(text) as Outcome));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('gatewayJsonParser: plain JSON read in one buffer, as body-parser reads it', () => {
  let ours: Server;
  let bodyParser: Server;

  beforeAll(async () => {
    ours = await serve(gatewayJsonParser(LIMIT));
    bodyParser = await serve(json({ limit: LIMIT }));
  });
  afterAll(() => {
    ours.close();
    bodyParser.close();
  });

  const cases: Array<[string, Buffer | string, string]> = [
    ['an object', '{"model":"main","messages":[{"role":"user","content":"hé"}]}', 'application/json'],
    ['an array', ' [1, 2]', 'application/json; charset=utf-8'],
    ['a byte order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]), 'application/json'],
    ['only a byte order mark', Buffer.from([0xef, 0xbb, 0xbf]), 'application/json'],
    ['only spaces', '   ', 'application/json'],
    ['a string', '"x"', 'application/json'],
    ['broken JSON', '{"model":', 'Application/JSON; charset="UTF-8"'],
    ['a body over the limit', `{"a":"${'x'.repeat(LIMIT)}"}`, 'application/json'],
    ['an empty body', '', 'application/json'],
    ['another charset (body-parser reads it)', '{"a":1}', 'application/json; charset=latin1'],
    ['a vendor type (body-parser decides)', '{"a":1}', 'application/vnd.api+json'],
  ];

  it.each(cases)('%s: the same body or error', async (_name, body, contentType) => {
    const expected = await post(bodyParser, body, contentType);
    expect(await post(ours, body, contentType)).toEqual(expected);
  });

  it('parses an OpenAI request and refuses what body-parser refuses', async () => {
    expect(await post(ours, '{"model":"main"}', 'application/json')).toEqual({ body: { model: 'main' } });
    expect(await post(ours, '{"model":', 'application/json')).toEqual({ status: 400, type: 'entity.parse.failed' });
    expect(await post(ours, `"${'x'.repeat(LIMIT)}"`, 'application/json')).toEqual({ status: 413, type: 'entity.too.large' });
  });

  it('a client that claims a large body and sends one byte holds one byte, not the size it claims (found in review)', async () => {
    const big = await serve(gatewayJsonParser(16 * 1024 * 1024));
    const { port } = big.address() as AddressInfo;
    const before = process.memoryUsage().arrayBuffers;
    const open = Array.from({ length: 20 }, () => {
      const req = request({ host: '127.0.0.1', port, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': 16 * 1024 * 1024 } });
      req.on('error', () => undefined);
      req.write('{');
      return req;
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Reserving what each claims would be 20 × 16 MB = 320 MB.
      expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * 1024 * 1024);
    } finally {
      for (const req of open) req.destroy();
      big.close();
    }
  });
});
