import { maskSecret, maskSecretsInText } from './mask-secret';

describe('maskSecret', () => {
  it.each([
    ['sk-abcdefgh1234', 'sk-…1234'],
    ['sk-proj-abcdefghijklmnopqrstuvwxyz9876', 'sk-proj-…9876'],
    ['sk-or-v1-0123456789abcdef0123456789abcdef', 'sk-or-v1-…cdef'],
    ['AIzaSyA1234567890abcdefghijklmnopqrstu', 'AIza…rstu'],
    ['abcdefghijklmnopqrstuvwxyz', '…wxyz'],
    ['tp-abcdefghijklmnopqrstuvwxyz', 'tp-…wxyz'],
    ['sk-abcdefgh', '…gh'],
    ['sk-or-v1-abcdefg', 'sk-or-v1-…fg'],
    ['sk-or-v1-abc', 'sk-or-v1-…'],
    ['abcdefghijk', '…jk'],
    ['abcdefgh', '…gh'],
    ['abcde', '****'],
    ['a', '****'],
  ])('masks %s as %s', (secret, masked) => {
    expect(maskSecret(secret)).toBe(masked);
  });

  it.each([null, undefined, ''])('returns null for %p', (value) => {
    expect(maskSecret(value)).toBeNull();
  });

  it('never reveals more than a third of the random part', () => {
    for (let length = 1; length <= 64; length += 1) {
      const secret = 'Zq7'.repeat(30).slice(0, length);
      const shown = (maskSecret(secret) ?? '').replace(/[…*]/g, '').length;
      expect(shown * 3).toBeLessThanOrEqual(length);
    }
  });

  it('does not take random key material with a dash for a long prefix', () => {
    expect(maskSecret('aB3dE-fGhIjKlMnOp')).toBe('…MnOp');
  });
});

describe('maskSecretsInText', () => {
  it('replaces every occurrence of each secret by its mask', () => {
    const google = 'AIzaSyA1234567890abcdefghijklmnopqrstu';
    const text = `POST with sk-abcdefgh1234 failed; retry with sk-abcdefgh1234 and ${google}`;
    expect(maskSecretsInText(text, ['sk-abcdefgh1234', google, ''])).toBe(
      'POST with sk-…1234 failed; retry with sk-…1234 and AIza…rstu',
    );
  });

  it('hides a longer secret whole when it contains a shorter one', () => {
    const secrets = ['sk-abcdefgh1234', 'sk-abcdefgh1234XYZW'];
    expect(maskSecretsInText('key=sk-abcdefgh1234XYZW', secrets)).toBe('key=sk-…XYZW');
  });

  it('treats regex characters in secrets literally and leaves other text alone', () => {
    expect(maskSecretsInText('a.b+c*d(e)f[g]h?ij$ and a_b', ['a.b+c*d(e)f[g]h?ij$'])).toBe('…?ij$ and a_b');
    expect(maskSecretsInText('nothing here', [])).toBe('nothing here');
  });
});
