import type { LookupAddress } from 'node:dns';
import { createServer as createHttpServer, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Server as TcpServer, type Socket } from 'node:net';
import { Test, type TestingModule } from '@nestjs/testing';
import { ModelProbeService } from '../../src/llm-manager/builder/model-probe.service';
import { LlmManagerError } from '../../src/llm-manager/common/llm-manager.error';
import { LlmManagerModule } from '../../src/llm-manager/llm-manager.module';
import { LlmManagerService } from '../../src/llm-manager/llm-manager.service';
import { classifyAddress, HostResolver, UrlGuard } from '../../src/llm-manager/security/url-guard';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream';
import { failureOf } from '../support/failure';
import { useNoNetworkGuard } from '../support/no-network';
import { TempStore } from '../support/temp-store';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../support/upstream-yaml';

/**
 * Nothing on a test machine is public, so 127.0.0.2 plays the public internet: the guard's classification is told
 * that one address is public, and the "public" hosts below listen there. Everything else is classified for real.
 */
const PLAYS_PUBLIC = '127.0.0.2';
const USER_KEY = 'sk-user-own-key-5555666677778888';

function listen<T extends Server | TcpServer>(server: T): Promise<number> {
  return new Promise((resolve) => server.listen(0, PLAYS_PUBLIC, () => resolve((server.address() as AddressInfo).port)));
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

/** The LlmManagerError somewhere in a cause chain (the OpenAI SDK wraps what fetch throws). */
function guardErrorIn(error: unknown): LlmManagerError | undefined {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if (current instanceof LlmManagerError) return current;
  }
  return undefined;
}

describe('B8: DNS answers and redirects are checked where the connection is made', () => {
  useNoNetworkGuard();
  let upstream: FakeUpstream;
  let proxy: TcpServer;
  let redirector: Server;
  let proxyPort: number;
  let redirectorPort: number;
  const proxySockets = new Set<Socket>();
  const redirectorHits: Array<{ path: string; authorization: string | undefined }> = [];
  const lookups: string[] = [];
  let rebindCalls = 0;
  let store: TempStore;
  let moduleRef: TestingModule;
  let manager: LlmManagerService;

  const resolver: HostResolver = {
    lookup: async (hostname: string): Promise<LookupAddress[]> => {
      lookups.push(hostname);
      // First answer public (what the save-time check sees), then loopback (what a rebinding attacker serves next).
      if (hostname === 'rebind.public.test') return [{ address: ++rebindCalls === 1 ? '93.184.215.14' : '127.0.0.1', family: 4 }];
      const table: Record<string, string> = { 'llm.public.test': PLAYS_PUBLIC, 'hop.public.test': PLAYS_PUBLIC };
      if (!table[hostname]) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      return [{ address: table[hostname], family: 4 }];
    },
  };

  beforeAll(async () => {
    upstream = await startFakeUpstream();
    // A "public" front door to the fake upstream: plain TCP forwarding, so JSON and SSE pass untouched.
    proxy = createTcpServer((socket) => {
      const target = connect(upstream.port, '127.0.0.1');
      for (const end of [socket, target]) {
        proxySockets.add(end);
        end.on('close', () => proxySockets.delete(end));
      }
      socket.on('error', () => target.destroy());
      target.on('error', () => socket.destroy());
      socket.pipe(target).pipe(socket);
    });
    proxyPort = await listen(proxy);
    // A "public" host whose first path segment says where to redirect.
    redirector = createHttpServer((req, res) => {
      const path = req.url ?? '/';
      redirectorHits.push({ path, authorization: req.headers.authorization });
      req.resume();
      const [, route] = path.split('/');
      const rest = path.slice(route.length + 1);
      const targets: Record<string, string> = {
        'to-loopback': `http://127.0.0.1:${upstream.port}${rest}`,
        'to-localhost': `http://localhost:${upstream.port}${rest}`,
        'to-mapped': `http://[::ffff:127.0.0.1]:${upstream.port}${rest}`,
        'to-public': `http://hop.public.test:${proxyPort}${rest}`,
        loop: path,
      };
      res.writeHead(route === 'loop' ? 302 : 307, { location: targets[route] ?? '/nowhere' }).end();
    });
    redirectorPort = await listen(redirector);
  });
  afterAll(async () => {
    proxySockets.forEach((socket) => socket.destroy());
    redirector.closeAllConnections();
    await Promise.all([
      new Promise((resolve) => proxy.close(resolve)),
      new Promise((resolve) => redirector.close(resolve)),
      upstream.close(),
    ]);
  });

  beforeEach(async () => {
    upstream.reset();
    redirectorHits.length = 0;
    lookups.length = 0;
    rebindCalls = 0;
    store = new TempStore(upstreamYaml(upstream.url));
    const options = store.options({ env: { [SYSTEM_KEY_ENV]: SYSTEM_KEY }, maxRetries: 0 });
    moduleRef = await Test.createTestingModule({ imports: [LlmManagerModule.forRoot(options)] })
      .overrideProvider(HostResolver)
      .useValue(resolver)
      .compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    manager = moduleRef.get(LlmManagerService);
    const guard = moduleRef.get(UrlGuard);
    jest.spyOn(guard, 'classify').mockImplementation((address) => (address === PLAYS_PUBLIC ? null : classifyAddress(address)));
  });
  afterEach(async () => {
    await moduleRef.close();
    store.remove();
  });

  /** A private platform of `userId` at `baseUrl`, bound to the user's main slot; returns the main model. */
  async function userModel(userId: string, baseUrl: string): Promise<Awaited<ReturnType<LlmManagerService['getUserLlm']>>> {
    const own = await manager.addPlatform(userId, { name: 'Mine', baseUrl, apiKey: USER_KEY }, [{ displayName: 'mine', modelName: 'fake-chat' }]);
    await manager.updateUserSelection(userId, 'main', { platformId: own.id, modelId: own.models[0].id });
    return manager.getUserLlm(userId);
  }

  it('serves a user platform on a public host through the guarded fetch: invoke and stream', async () => {
    const llm = await userModel('alice', `http://llm.public.test:${proxyPort}/v1`);
    expect((await llm.invoke('hi')).content).toBe('Echo: hi');
    let streamed = '';
    for await (const chunk of await llm.stream('streamed')) streamed += String(chunk.content);
    expect(streamed).toBe('Echo: streamed');
    expect(upstream.chatRequests.map((request) => request.authorization)).toEqual([`Bearer ${USER_KEY}`, `Bearer ${USER_KEY}`]);
    expect(lookups).toContain('llm.public.test');
  });

  it('refuses a redirect from a public host to loopback, by literal, name or mapped address', async () => {
    for (const route of ['to-loopback', 'to-localhost', 'to-mapped']) {
      const llm = await userModel(`user-${route}`, `http://llm.public.test:${redirectorPort}/${route}/v1`);
      const error = guardErrorIn(await errorOf(llm.invoke('hi')));
      expect(error).toMatchObject({ code: 'URL_NOT_ALLOWED', details: { addressClass: 'loopback' } });
    }
    expect(redirectorHits).toHaveLength(3);
    expect(upstream.requests).toHaveLength(0);

    // A probe does not follow redirects at all: it reports them.
    const probe = moduleRef.get(ModelProbeService);
    const probed = await failureOf(probe.probePlatformModels(`http://llm.public.test:${redirectorPort}/to-loopback/v1`, null, { guarded: true }));
    expect(probed).toMatchObject({ code: 'UPSTREAM_ERROR', details: { status: 307 } });
    expect(upstream.requests).toHaveLength(0);
  });

  it('follows redirects between public hosts, dropping the key when the origin changes', async () => {
    const llm = await userModel('bob', `http://llm.public.test:${redirectorPort}/to-public/v1`);
    expect((await llm.invoke('via a hop')).content).toBe('Echo: via a hop');
    expect(redirectorHits).toEqual([{ path: '/to-public/v1/chat/completions', authorization: `Bearer ${USER_KEY}` }]);
    expect(upstream.chatRequests).toHaveLength(1);
    expect(upstream.chatRequests[0].authorization).toBeUndefined();
  });

  it('gives up after five redirects', async () => {
    const llm = await userModel('carol', `http://llm.public.test:${redirectorPort}/loop/v1`);
    const error = guardErrorIn(await errorOf(llm.invoke('round and round')));
    expect(error).toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(error?.message).toMatch(/redirected more than 5 times/);
    expect(redirectorHits).toHaveLength(6);
  });

  it('refuses a name that was public when saved and is loopback when connected to (DNS rebinding)', async () => {
    const llm = await userModel('dave', `http://rebind.public.test:${upstream.port}/v1`);
    const error = guardErrorIn(await errorOf(llm.invoke('hi')));
    expect(error).toMatchObject({ code: 'URL_NOT_ALLOWED', details: { addressClass: 'loopback' } });
    expect(rebindCalls).toBe(2);
    expect(upstream.requests).toHaveLength(0);
  });
});
