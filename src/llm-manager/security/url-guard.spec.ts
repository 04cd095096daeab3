import type { LookupAddress, LookupOptions } from 'node:dns';
import { LlmManagerError } from '../common/llm-manager.error';
import { classifyAddress, HostResolver, UrlGuard, type AddressClass } from './url-guard';

/** Answers from a table; a name not in it is ENOTFOUND, as from a real resolver. */
class TableResolver extends HostResolver {
  readonly asked: string[] = [];

  constructor(private readonly table: Record<string, string[] | (() => string[])>) {
    super();
  }

  override async lookup(hostname: string): Promise<LookupAddress[]> {
    this.asked.push(hostname);
    const entry = this.table[hostname];
    if (entry === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    const addresses = typeof entry === 'function' ? entry() : entry;
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  }
}

function guardWith(table: Record<string, string[] | (() => string[])> = {}, allowPrivateBaseUrls = false): UrlGuard {
  return new UrlGuard({ allowPrivateBaseUrls }, new TableResolver(table));
}

async function refusal(promise: Promise<unknown>): Promise<LlmManagerError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LlmManagerError) return error;
    throw error;
  }
  throw new Error('expected URL_NOT_ALLOWED');
}

function connectLookup(guard: UrlGuard, host: string, options: LookupOptions): Promise<string | LookupAddress[]> {
  return new Promise((resolve, reject) => {
    guard.lookup(host, options, (error, address) => (error ? reject(error) : resolve(address)));
  });
}

describe('classifyAddress', () => {
  const cases: Array<[string, AddressClass | null]> = [
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'private'],
    ['fd00:ec2::254', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.254', 'shared'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['[::ffff:a9fe:a9fe]', 'link-local'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:c0a8:101::1', 'private'],
    ['::127.0.0.1', 'reserved'],
    ['not-an-ip', 'reserved'],
    ['8.8.8.8', null],
    ['172.32.0.1', null],
    ['100.128.0.1', null],
    ['2606:4700:4700::1111', null],
    ['::ffff:8.8.8.8', null],
    ['2002:808:808::1', null],
  ];
  it.each(cases)('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });
});

describe('UrlGuard.assertAllowed', () => {
  it.each([
    ['http://127.0.0.1:8080/v1', 'loopback'],
    ['http://2130706433/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://0177.0.0.1/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::1]:11434/v1', 'loopback'],
    ['http://0/', 'unspecified'],
    ['http://[::]/', 'unspecified'],
    ['http://169.254.169.254/latest/meta-data', 'link-local'],
    ['https://10.0.0.5/v1', 'private'],
  ])('refuses the literal %s (%s) without asking DNS', async (url, addressClass) => {
    const resolver = new TableResolver({});
    const error = await refusal(new UrlGuard({ allowPrivateBaseUrls: false }, resolver).assertAllowed(url));
    expect(error).toMatchObject({ code: 'URL_NOT_ALLOWED', details: { addressClass } });
    expect(resolver.asked).toEqual([]);
  });

  it('refuses names that resolve to loopback', async () => {
    const guard = guardWith({ 'evil.example': ['127.0.0.1'] });
    const error = await refusal(guard.assertAllowed('https://evil.example/v1'));
    expect(error.message).toMatch(/evil\.example resolves to a loopback address/);
    expect(error.details).toMatchObject({ addressClass: 'loopback' });
  });

  it.each(['http://localhost:11434/v1', 'http://LOCALHOST./v1', 'http://ollama.localhost/v1'])(
    'refuses %s as loopback without asking DNS (RFC 6761)',
    async (url) => {
      const resolver = new TableResolver({});
      const error = await refusal(new UrlGuard({ allowPrivateBaseUrls: false }, resolver).assertAllowed(url));
      expect(error.details).toMatchObject({ addressClass: 'loopback' });
      expect(resolver.asked).toEqual([]);
    },
  );

  it('refuses a name when any one of its answers is not public', async () => {
    const guard = guardWith({ 'mixed.example': ['93.184.215.14', '10.0.0.7'] });
    expect((await refusal(guard.assertAllowed('https://mixed.example/v1'))).details).toMatchObject({ addressClass: 'private' });
  });

  it('says what to do, and never repeats credentials or the resolved address', async () => {
    const guard = guardWith({ 'internal.example': ['192.168.7.7'] });
    const error = await refusal(guard.assertAllowed('http://admin:s3cret-pass@internal.example/v1?key=sk-abc'));
    expect(error.message).toContain('LLM_ALLOW_PRIVATE_BASE_URLS=true');
    expect(error.message).toContain('private-network');
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toMatch(/s3cret|admin:|sk-abc|192\.168/);
  });

  it('allows public addresses and names, and names that do not resolve', async () => {
    const guard = guardWith({ 'api.example': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'] });
    await expect(guard.assertAllowed('https://api.example/v1')).resolves.toBeUndefined();
    await expect(guard.assertAllowed('https://8.8.8.8/v1')).resolves.toBeUndefined();
    await expect(guard.assertAllowed('https://nowhere.example/v1')).resolves.toBeUndefined();
  });

  it('refuses other schemes and unparsable URLs', async () => {
    const guard = guardWith();
    expect((await refusal(guard.assertAllowed('file:///etc/passwd'))).code).toBe('URL_NOT_ALLOWED');
    expect((await refusal(guard.assertAllowed('not a url'))).code).toBe('URL_NOT_ALLOWED');
  });

  it('lets everything through when the operator allows private base URLs', async () => {
    const guard = guardWith({ localhost: ['127.0.0.1'] }, true);
    expect(guard.enforced).toBe(false);
    await expect(guard.assertAllowed('http://localhost:11434/v1')).resolves.toBeUndefined();
    await expect(guard.assertAllowed('http://169.254.169.254/')).resolves.toBeUndefined();
    await expect(guard.connectAddress(new URL('http://127.0.0.1/'))).resolves.toEqual({ address: '127.0.0.1', family: 4 });
  });
});

describe('UrlGuard at connect time', () => {
  it('checks the answer of the moment: a name that turned into loopback (DNS rebinding) is refused', async () => {
    let calls = 0;
    const guard = guardWith({ 'rebind.example': () => (++calls === 1 ? ['93.184.215.14'] : ['127.0.0.1']) });
    await expect(guard.assertAllowed('https://rebind.example/v1')).resolves.toBeUndefined();
    await expect(guard.connectAddress(new URL('https://rebind.example/v1'))).rejects.toMatchObject({ code: 'URL_NOT_ALLOWED' });
  });

  it('gives the checked address to connect to, and refuses literals without DNS', async () => {
    const guard = guardWith({ 'api.example': ['93.184.215.14'] });
    await expect(guard.connectAddress(new URL('https://api.example/v1'))).resolves.toEqual({ address: '93.184.215.14', family: 4 });
    await expect(guard.connectAddress(new URL('http://0x7f.1:8080/'))).rejects.toThrow(/127\.0\.0\.1 is a loopback address/);
    await expect(guard.connectAddress(new URL('http://[fe80::1]/'))).rejects.toThrow(/link-local/);
    await expect(guard.connectAddress(new URL('https://missing.example/v1'))).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });

  it('backs up agents as their lookup, answering in the shape net.connect asked for', async () => {
    const guard = guardWith({ 'dual.example': ['2606:4700:4700::1111', '93.184.215.14'], 'evil.example': ['10.0.0.1'] });
    expect(await connectLookup(guard, 'dual.example', { all: true })).toHaveLength(2);
    expect(await connectLookup(guard, 'dual.example', { family: 4 })).toBe('93.184.215.14');
    expect(await connectLookup(guard, 'dual.example', {})).toBe('2606:4700:4700::1111');
    await expect(connectLookup(guard, 'evil.example', { all: true })).rejects.toMatchObject({ code: 'URL_NOT_ALLOWED' });
    await expect(connectLookup(guard, 'missing.example', {})).rejects.toMatchObject({ code: 'ENOTFOUND' });
  });
});
