import { allowsIp, allowsModel, readTokenControls } from './token-controls';

const NOW = new Date('2026-06-01T00:00:00Z');

describe('token controls', () => {
  it('reads an expiry in the future, trims and dedupes the lists; nothing given is no restriction', () => {
    expect(readTokenControls({}, NOW)).toEqual({ expiresAt: null, allowedModels: null, allowedIps: null });
    expect(readTokenControls({ expiresAt: '2026-07-01T00:00:00Z', allowedModels: [' main', 'main', 'P/m'], allowedIps: ['10.0.0.0/8'] }, NOW)).toEqual({
      expiresAt: new Date('2026-07-01T00:00:00Z'),
      allowedModels: ['main', 'P/m'],
      allowedIps: ['10.0.0.0/8'],
    });
    expect(readTokenControls({ expiresAt: '2026-07-01T00:00:00.999Z' }, NOW).expiresAt).toEqual(new Date('2026-07-01T00:00:00Z'));
  });

  it('refuses a past or unreadable expiry, empty lists and entries that are no IP or CIDR, naming the field', () => {
    const cases: Array<[Parameters<typeof readTokenControls>[0], string]> = [
      [{ expiresAt: '2026-05-31T23:59:59Z' }, 'expiresAt'],
      [{ expiresAt: 'tomorrow' }, 'expiresAt'],
      [{ allowedModels: [] }, 'allowedModels'],
      [{ allowedModels: [''] }, 'allowedModels'],
      [{ allowedIps: ['10.0.0.0/33'] }, 'allowedIps'],
      [{ allowedIps: ['example.com'] }, 'allowedIps'],
      [{ allowedIps: ['10.0.0.1/8/1'] }, 'allowedIps'],
    ];
    for (const [controls, field] of cases) {
      expect(() => readTokenControls(controls, NOW)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', details: { field } }));
    }
  });

  it('matches IPv4, IPv6 and CIDRs, and IPv4 clients reported as IPv4-mapped IPv6', () => {
    const allowed = ['10.0.0.0/8', '2001:db8::/32', '127.0.0.1'];
    expect(allowsIp(null, undefined)).toBe(true);
    expect(allowsIp(allowed, '10.2.3.4')).toBe(true);
    expect(allowsIp(allowed, '::ffff:127.0.0.1')).toBe(true);
    expect(allowsIp(allowed, '2001:db8::5')).toBe(true);
    expect(allowsIp(allowed, '11.0.0.1')).toBe(false);
    expect(allowsIp(allowed, '::1')).toBe(false);
    expect(allowsIp(allowed, undefined)).toBe(false);
  });

  it('allows exactly the listed model names', () => {
    expect(allowsModel(null, 'anything')).toBe(true);
    expect(allowsModel(['main', 'P/m'], 'P/m')).toBe(true);
    expect(allowsModel(['main', 'P/m'], 'fast')).toBe(false);
  });
});
