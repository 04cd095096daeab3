import { Injectable } from '@nestjs/common';
import { maskSecret } from './mask-secret';
import { createKeyCheck, verifyKeyCheck } from './master-key';
import { SecretCipher } from './secret-cipher';

/**
 * Holds the one `SecretCipher` of the application. The bootstrap resolves the master key and calls `init()` once;
 * every other service encrypts, decrypts and masks through here.
 */
@Injectable()
export class SecurityService {
  private cipher: SecretCipher | undefined;

  /**
   * Derives the encryption key from `masterKey`. Called once at start.
   * @throws LlmManagerError `MASTER_KEY_INVALID` when the key is shorter than 32 characters.
   */
  init(masterKey: string): void {
    // Swapping keys at run time would leave secrets encrypted under two keys; a re-key is a deliberate migration.
    if (this.cipher) throw new Error('SecurityService is already initialised; the master key cannot be changed.');
    this.cipher = new SecretCipher(masterKey);
  }

  /** True once `init()` has succeeded. */
  get ready(): boolean {
    return this.cipher !== undefined;
  }

  /** Encrypts `plain` into an `ENC:v1:…` envelope. */
  encrypt(plain: string): string {
    return this.requireCipher().encrypt(plain);
  }

  /** Decrypts an envelope; `subject` (e.g. "platform 'DeepSeek'") names the owner in error messages. */
  decrypt(envelope: string, subject?: string): string {
    return this.requireCipher().decrypt(envelope, subject);
  }

  /** Display form of a secret (`sk-…abcd`); works before `init()`. */
  mask(secret: string | null | undefined): string | null {
    return maskSecret(secret);
  }

  /** Short, non-reversible id of the current master key, for logs. */
  fingerprint(): string {
    return this.requireCipher().fingerprint();
  }

  /** A value to store in the database so the next start can detect a wrong `LLM_KEY`. */
  createKeyCheck(): string {
    return createKeyCheck(this.requireCipher());
  }

  /** @throws LlmManagerError `MASTER_KEY_INVALID` when `stored` was made with another key. */
  verifyKeyCheck(stored: string): void {
    verifyKeyCheck(this.requireCipher(), stored);
  }

  private requireCipher(): SecretCipher {
    if (this.cipher) return this.cipher;
    throw new Error(
      'SecurityService is not initialised: the llm-mgr start-up did not set the master key (LLM_KEY). ' +
        'Check the start-up log for the error that stopped it.',
    );
  }
}
