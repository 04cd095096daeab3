import { connect, createServer, type Server, type Socket } from 'net';

/**
 * A real TCP hop between llm-mgr and a real database server, which a test can take down (connections reset, new
 * ones refused: the server is gone) or freeze (connections accepted, nothing answered: a hung server).
 */
export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private frozen = false;

  private constructor(
    private readonly targetPort: number,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    const probe = await listen(createServer(), 0);
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((done) => probe.close(() => done()));
    const proxy = new TcpProxy(targetPort, port);
    await proxy.up();
    return proxy;
  }

  /** Listens again and forwards everything. */
  async up(): Promise<void> {
    this.frozen = false;
    if (this.server) return;
    this.server = await listen(createServer((client) => this.forward(client)), this.port);
  }

  /** The server is gone: open connections reset, new ones refused. */
  async down(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((done) => server.close(() => done()));
  }

  /** The server hangs: bytes sent on open connections go nowhere, new connections are accepted and never answered. */
  freeze(): void {
    this.frozen = true;
  }

  async close(): Promise<void> {
    await this.down();
  }

  private forward(client: Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => client.destroy());
    if (this.frozen) return;
    const upstream = connect(this.targetPort, '127.0.0.1');
    this.sockets.add(upstream);
    upstream.on('close', () => this.sockets.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('data', (chunk) => {
      if (!this.frozen) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!this.frozen) client.write(chunk);
    });
  }
}

function listen(server: Server, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
