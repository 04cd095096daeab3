import { inspect } from 'util';
import { LlmManagerError } from '../common/llm-manager.error';
import { SecretCipher } from './secret-cipher';

const KEY = 'k'.repeat(16) + 'correct-master-key-000';
const OTHER_KEY = 'o'.repeat(16) + 'another-master-key-111';
const SECRET = 'sk-live-abcdefghijklmnop1234';

function caught(run: () => unknown): LlmManagerError {
  try {
    run();
  } catch (error: unknown) {
    if (error instanceof LlmManagerError) return error;
    throw error;
  }
  throw new Error('expected an LlmManagerError');
}

/** Everything an error exposes, the cause chain included. */
function everything(error: LlmManagerError): string {
  return `${error.message}\n${inspect(error, { depth: 10 })}\n${JSON.stringify(error.details ?? {})}`;
}

function rewrap(envelope: string, change: (body: Buffer) => void): string {
  const body = Buffer.from(envelope.slice('ENC:v1:'.length), 'base64url');
  change(body);
  return `ENC:v1:${body.toString('base64url')}`;
}

describe('SecretCipher', () => {
  const cipher = new SecretCipher(KEY);

  it.each([
    ['ASCII', SECRET],
    ['UTF-8 Chinese', '通义千问的密钥：秘密🔑'],
    ['empty', ''],
    ['10 KB', 'x'.repeat(10 * 1024)],
  ])('round-trips %s text', (_name, plain) => {
    const envelope = cipher.encrypt(plain);
    expect(envelope).toMatch(/^ENC:v1:[A-Za-z0-9_-]+$/);
    expect(cipher.decrypt(envelope)).toBe(plain);
    expect(new SecretCipher(KEY).decrypt(envelope)).toBe(plain);
  });

  it('produces a different envelope each time for the same plaintext', () => {
    expect(cipher.encrypt(SECRET)).not.toBe(cipher.encrypt(SECRET));
  });

  it('detects a change to any byte of the iv, ciphertext or tag', () => {
    const envelope = cipher.encrypt('hello');
    const length = Buffer.from(envelope.slice(7), 'base64url').length;
    expect(length).toBe(12 + 5 + 16);
    for (let index = 0; index < length; index += 1) {
      const tampered = rewrap(envelope, (body) => {
        body[index] ^= 0x01;
      });
      expect(caught(() => cipher.decrypt(tampered)).code).toBe('MASTER_KEY_INVALID');
    }
  });

  it('rejects a wrong key with a message naming the subject and holding neither key nor plaintext', () => {
    const envelope = cipher.encrypt(SECRET);
    const error = caught(() => new SecretCipher(OTHER_KEY).decrypt(envelope, "platform 'DeepSeek'"));
    expect(error.code).toBe('MASTER_KEY_INVALID');
    expect(error.message).toContain("Cannot decrypt the API key of platform 'DeepSeek'");
    expect(error.message).toContain('LLM_KEY');
    for (const secret of [KEY, OTHER_KEY, SECRET]) expect(everything(error)).not.toContain(secret);
  });

  it.each([
    ['a plaintext key', SECRET],
    ['a missing version', 'ENC:abc'],
    ['an unknown version', 'ENC:v2:' + 'A'.repeat(60)],
    ['bad base64', 'ENC:v1:abc$%def+/=='],
    ['an impossible base64 length', 'ENC:v1:' + 'A'.repeat(41)],
    ['a too short payload', 'ENC:v1:' + Buffer.alloc(27).toString('base64url')],
    ['an empty payload', 'ENC:v1:'],
  ])('rejects %s as SECRET_INVALID naming the subject', (_name, value) => {
    const error = caught(() => cipher.decrypt(value, "platform 'DeepSeek'"));
    expect(error.code).toBe('SECRET_INVALID');
    expect(error.message).toContain("platform 'DeepSeek'");
    expect(everything(error)).not.toContain(SECRET);
  });

  it('names the unknown version when it is a plausible one', () => {
    expect(caught(() => cipher.decrypt('ENC:v2:AAAA')).message).toContain("'v2'");
  });

  it('recognises envelopes by their prefix', () => {
    expect(SecretCipher.isEnvelope(cipher.encrypt('x'))).toBe(true);
    expect(SecretCipher.isEnvelope('ENC:v9:zzz')).toBe(true);
    expect(SecretCipher.isEnvelope(SECRET)).toBe(false);
    expect(SecretCipher.isEnvelope('{DEEPSEEK_API_KEY}')).toBe(false);
  });

  it('rejects a master key shorter than 32 characters and says how to make one', () => {
    const error = caught(() => new SecretCipher('short-key-1234567890123456789'));
    expect(error.code).toBe('MASTER_KEY_INVALID');
    expect(error.message).toContain('at least 32');
    expect(error.message).toContain('npx llm-mgr init');
    expect(error.message).not.toContain('short-key');
  });

  it('gives a stable 8-hex fingerprint per key that does not reveal it', () => {
    expect(cipher.fingerprint()).toMatch(/^[0-9a-f]{8}$/);
    expect(new SecretCipher(KEY).fingerprint()).toBe(cipher.fingerprint());
    expect(new SecretCipher(OTHER_KEY).fingerprint()).not.toBe(cipher.fingerprint());
  });

  it('does not expose the key when inspected or serialised', () => {
    expect(inspect(cipher, { showHidden: true, depth: 10 })).not.toContain(KEY);
    expect(JSON.stringify(cipher)).toBe('{}');
  });
});
