import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'crypto';
import { LlmManagerError } from '../common/llm-manager.error';

/** Prefix of every encrypted value, in YAML and in the database: `ENC:v1:<base64url(iv | ciphertext | tag)>`. */
export const ENVELOPE_PREFIX = 'ENC:';
/** The envelope version this build writes and reads. */
export const ENVELOPE_VERSION = 'v1';
/** The shortest master key accepted, in characters. */
export const MIN_MASTER_KEY_LENGTH = 32;

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
// Changing any of these three strings makes every stored secret unreadable: they are part of the v1 format.
const HKDF_SALT = 'llm-mgr/master-key/salt/v1';
const HKDF_INFO = 'llm-mgr/aes-256-gcm/v1';
const AAD = Buffer.from('llm-mgr:v1', 'utf8');
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const SAFE_VERSION = /^v\d{1,3}$/;

/** How to obtain a valid master key; shared by every message that rejects one. */
export const MASTER_KEY_HOWTO =
  'Generate one with `npx llm-mgr init` or ' +
  `\`node -e "console.log(require('crypto').randomBytes(32).toString('base64url'))"\``;

/**
 * Throws `MASTER_KEY_INVALID` unless `key` is long enough. `where` names its origin (e.g. "LLM_KEY in .env").
 * The message states the length only, never the key.
 */
export function assertMasterKey(key: string, where = 'LLM_KEY'): void {
  if (key.length >= MIN_MASTER_KEY_LENGTH) return;
  throw new LlmManagerError(
    'MASTER_KEY_INVALID',
    `${where} is ${key.length} characters long; it must be at least ${MIN_MASTER_KEY_LENGTH}. ${MASTER_KEY_HOWTO}.`,
  );
}

/**
 * AES-256-GCM encryption of secrets (API keys) under the master key `LLM_KEY`.
 * The AES key is derived once with HKDF-SHA256; the master key string itself is not kept.
 */
export class SecretCipher {
  // ES private fields: invisible to util.inspect, JSON.stringify and Nest's debug output.
  readonly #key: Buffer;
  readonly #fingerprint: string;

  /** @throws LlmManagerError `MASTER_KEY_INVALID` when `masterKey` is shorter than 32 characters. */
  constructor(masterKey: string) {
    assertMasterKey(masterKey);
    this.#key = Buffer.from(hkdfSync('sha256', masterKey, HKDF_SALT, HKDF_INFO, KEY_BYTES));
    this.#fingerprint = createHmac('sha256', this.#key).update('fingerprint').digest('hex').slice(0, 8);
  }

  /** True when `value` claims to be an envelope (starts with `ENC:`); `decrypt()` then validates the rest. */
  static isEnvelope(value: string): boolean {
    return typeof value === 'string' && value.startsWith(ENVELOPE_PREFIX);
  }

  /** Encrypts `plain` (any UTF-8 string, empty included) into a fresh `ENC:v1:…` envelope with a random IV. */
  encrypt(plain: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(AAD);
    const body = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${ENVELOPE_PREFIX}${ENVELOPE_VERSION}:${body.toString('base64url')}`;
  }

  /**
   * Decrypts an envelope made by `encrypt()`. `subject` names the owner for error messages, e.g. "platform 'DeepSeek'".
   * @throws LlmManagerError `SECRET_INVALID` when the value is not a well-formed v1 envelope.
   * @throws LlmManagerError `MASTER_KEY_INVALID` when authentication fails (another key, or an altered value).
   */
  decrypt(envelope: string, subject?: string): string {
    const body = this.parse(envelope, subject);
    const iv = body.subarray(0, IV_BYTES);
    const tag = body.subarray(body.length - TAG_BYTES);
    const ciphertext = body.subarray(IV_BYTES, body.length - TAG_BYTES);
    const decipher = createDecipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(AAD);
    decipher.setAuthTag(tag);
    try {
      const plain = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
      return plain.toString('utf8');
    } catch (error: unknown) {
      // Node's GCM failure message is a fixed text ("unable to authenticate data"): safe to keep as the cause.
      throw new LlmManagerError(
        'MASTER_KEY_INVALID',
        `Cannot decrypt ${describe(subject)}: LLM_KEY is not the key it was encrypted with, or the stored value was ` +
          `altered. Set LLM_KEY to the key used when it was saved (see .env), or re-enter the API key.`,
        { cause: error, details: { keyFingerprint: this.#fingerprint } },
      );
    }
  }

  /** First 8 hex characters of HMAC-SHA256(derivedKey, 'fingerprint'): tells keys apart in logs, reveals nothing. */
  fingerprint(): string {
    return this.#fingerprint;
  }

  private parse(envelope: string, subject: string | undefined): Buffer {
    if (!SecretCipher.isEnvelope(envelope)) {
      // The value may be a plaintext key: never echo it.
      throw invalid(subject, `it does not start with ${ENVELOPE_PREFIX}${ENVELOPE_VERSION}:`);
    }
    const rest = envelope.slice(ENVELOPE_PREFIX.length);
    const colon = rest.indexOf(':');
    const version = colon < 0 ? '' : rest.slice(0, colon);
    if (version !== ENVELOPE_VERSION) {
      const shown = SAFE_VERSION.test(version) ? `'${version}'` : 'missing or unreadable';
      throw invalid(subject, `its format version is ${shown}; this llm-mgr reads ${ENVELOPE_VERSION}`);
    }
    const encoded = rest.slice(colon + 1);
    // Buffer.from() silently skips invalid characters, so the alphabet and length are checked first.
    if (!BASE64URL.test(encoded) || encoded.length % 4 === 1) {
      throw invalid(subject, 'its payload is not base64url');
    }
    const body = Buffer.from(encoded, 'base64url');
    if (body.length < IV_BYTES + TAG_BYTES) {
      throw invalid(subject, 'its payload is too short to hold an IV and an authentication tag');
    }
    return body;
  }
}

function describe(subject: string | undefined): string {
  return subject ? `the API key of ${subject}` : 'a stored secret';
}

function invalid(subject: string | undefined, reason: string): LlmManagerError {
  const what = subject ? `The stored API key of ${subject}` : 'A stored secret';
  return new LlmManagerError(
    'SECRET_INVALID',
    `${what} is not a valid ${ENVELOPE_PREFIX}${ENVELOPE_VERSION} value: ${reason}. ` +
      'Re-enter the API key, or encrypt it again with the current LLM_KEY.',
  );
}
