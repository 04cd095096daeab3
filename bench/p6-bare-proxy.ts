/**
 * P6's lower bound for any Node gateway: a bare node:http reverse proxy in a process of its own (no auth, no
 * parsing, no ledger), piping each request to the fake upstream on a keep-alive agent and the answer back. What it
 * adds at concurrency 50 is what two processes' HTTP work costs on this machine before a gateway does anything.
 * Started by p6-gateway.bench.ts with `fork()`; sends `{ port }` once listening; answers
 * `process.cpuUsage()` to `'cpu'`; exits on `'close'`.
 */
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

const upstream = new URL(process.argv[2]!);
const agent = new Agent({ keepAlive: true, maxFreeSockets: 256 });
const server = createServer((req, res) => {
  const out = request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: `${upstream.pathname}${req.url!.replace(/^\/v1/, '')}`, headers: { ...req.headers, host: upstream.host }, agent },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  out.on('error', (error) => {
    console.error('proxy', error);
    res.destroy();
  });
  req.pipe(out);
});
server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as AddressInfo).port }));
process.on('message', (message) => {
  if (message === 'cpu') return void process.send!(process.cpuUsage());
  server.close();
  server.closeAllConnections();
  agent.destroy();
  process.disconnect();
});
