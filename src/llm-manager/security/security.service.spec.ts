import { Test } from '@nestjs/testing';
import { LlmManagerError } from '../common/llm-manager.error';
import { SecurityModule } from './security.module';
import { SecurityService } from './security.service';

const KEY = 'a-master-key-for-the-service-spec-0123456789';

describe('SecurityService', () => {
  let service: SecurityService;

  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [SecurityModule] }).compile();
    service = moduleRef.get(SecurityService);
  });

  it('refuses to encrypt or decrypt before init, saying the module did not start', () => {
    expect(service.ready).toBe(false);
    expect(() => service.encrypt('x')).toThrow(/not initialised/);
    expect(() => service.decrypt('ENC:v1:AAAA')).toThrow(/not initialised/);
    expect(() => service.fingerprint()).toThrow(/not initialised/);
  });

  it('masks before init', () => {
    expect(service.mask('sk-abcdefgh1234')).toBe('sk-…1234');
    expect(service.mask(null)).toBeNull();
  });

  it('encrypts, decrypts and checks the key once initialised', () => {
    service.init(KEY);
    expect(service.ready).toBe(true);
    expect(service.decrypt(service.encrypt('秘密'), "platform 'Qwen'")).toBe('秘密');
    expect(service.fingerprint()).toMatch(/^[0-9a-f]{8}$/);
    expect(() => service.verifyKeyCheck(service.createKeyCheck())).not.toThrow();
  });

  it('rejects a short key and a second init', () => {
    expect(() => service.init('short')).toThrow(LlmManagerError);
    expect(service.ready).toBe(false);
    service.init(KEY);
    expect(() => service.init(KEY)).toThrow(/already initialised/);
  });
});
