import dns from 'node:dns';
import { connect, Socket } from 'node:net';
import { startFakeUpstream } from './fake-upstream';
import { ExternalNetworkError, forbidExternalNetwork, isLoopbackHost } from './no-network';

// Documentation-only addresses and a reserved TLD: even if the guard failed, nothing real would be reached.
const OUTSIDE_IP = '192.0.2.1';
const OUTSIDE_NAME = 'fake-upstream.invalid';

describe('forbidExternalNetwork', () => {
  it('tells loopback hosts from the rest', () => {
    for (const host of ['localhost', '127.0.0.1', '127.8.9.10', '::1', '[::1]', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host)).toBe(true);
    }
    for (const host of [OUTSIDE_IP, OUTSIDE_NAME, '10.0.0.1', '::ffff:8.8.8.8', '0.0.0.0']) {
      expect(isLoopbackHost(host)).toBe(false);
    }
  });

  it('refuses and records sockets, DNS lookups and fetches outside loopback, then restores', async () => {
    const originalConnect = Socket.prototype.connect;
    const originalLookup = dns.lookup;
    const guard = forbidExternalNetwork();
    try {
      expect(() => connect({ host: OUTSIDE_IP, port: 80 })).toThrow(ExternalNetworkError);
      expect(() => connect(80, OUTSIDE_IP)).toThrow(ExternalNetworkError);
      expect(() => dns.lookup(OUTSIDE_NAME, () => undefined)).toThrow(ExternalNetworkError);
      await expect(dns.promises.lookup(OUTSIDE_NAME)).rejects.toThrow(ExternalNetworkError);
      await expect(fetch(`http://${OUTSIDE_IP}/`)).rejects.toThrow();
      await expect(fetch(`https://${OUTSIDE_NAME}/`)).rejects.toThrow();
    } finally {
      guard.restore();
    }
    expect(guard.violations).toEqual([
      `${OUTSIDE_IP}:80`,
      `${OUTSIDE_IP}:80`,
      OUTSIDE_NAME,
      OUTSIDE_NAME,
      `${OUTSIDE_IP}:80`,
      `${OUTSIDE_NAME}:443`,
    ]);
    expect(Socket.prototype.connect).toBe(originalConnect);
    expect(dns.lookup).toBe(originalLookup);
  });

  it('lets loopback traffic through', async () => {
    const upstream = await startFakeUpstream();
    const guard = forbidExternalNetwork();
    try {
      const byIp = await fetch(`${upstream.url}/models`);
      const byName = await fetch(`${upstream.url.replace('127.0.0.1', 'localhost')}/models`).catch(
        (error: unknown) => error,
      );
      expect(byIp.status).toBe(200);
      // `localhost` may resolve to ::1 where the fake (bound to 127.0.0.1) is not listening; the guard must not care.
      expect(byName).not.toBeInstanceOf(ExternalNetworkError);
    } finally {
      guard.restore();
      await upstream.close();
    }
    expect(guard.violations).toEqual([]);
  });
});
