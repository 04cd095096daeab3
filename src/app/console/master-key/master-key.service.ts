import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, IsNull, Not } from 'typeorm';
import { findYamlEnvelopes, readYamlIfPresent } from '../../../cli/support/yaml-envelopes';
import { setEnvVariable } from '../../../cli/support/env-file';
import { readEnvFile } from '../../../llm-manager/common/env-file';
import { LlmManagerError } from '../../../llm-manager/common/llm-manager.error';
import { PlatformEntity } from '../../../llm-manager/database/platform.entity';
import { SysPlatformKeyEntity } from '../../../llm-manager/database/sys-platform-key.entity';
import { LLM_MANAGER_RESOLVED_OPTIONS, LLM_MGR_DATA_SOURCE } from '../../../llm-manager/llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../../../llm-manager/llm-manager.options';
import { assertMasterKey, SecretCipher } from '../../../llm-manager/security/secret-cipher';
import { SecurityService } from '../../../llm-manager/security/security.service';

const VARIABLE = 'LLM_KEY';

/** What the console shows about the master key; never the key itself. */
export interface MasterKeyStatus {
  /** Always true on a running server: it cannot start without one. */
  configured: boolean;
  /** Non-reversible id of the key in force (8 hex characters). */
  fingerprint: string;
  /** `env-file`: `.env` holds the key in force; `environment`: only the process environment does. */
  source: 'env-file' | 'environment';
  envFile: string;
  /** `.env` defines LLM_KEY. */
  envFileHasKey: boolean;
  /** `.env` defines a different key than the one in force (a restart would use it, unless the environment wins). */
  envFileDiffers: boolean;
  /** Secrets encrypted under the key in force: system platform keys and users' own keys in the database. */
  encryptedInDatabase: number;
  /** `ENC:v1:` values in llm_mgr_cfg.yaml; null when the file cannot be read as YAML (see `yamlProblem`). */
  encryptedInYaml: number | null;
  /** Why llm_mgr_cfg.yaml could not be read (file:line:column and the problem), or null. */
  yamlProblem: string | null;
}

/**
 * `LLM_KEY` for the console (M7): its status, and saving it to `.env`. A running server holds its key in memory and
 * has sealed the database's key check with it, so only that same key can be saved; changing it is a rotation
 * (`npx llm-mgr rotate-key`, server stopped), which re-encrypts every secret.
 */
@Injectable()
export class MasterKeyService {
  constructor(
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
    @InjectDataSource(LLM_MGR_DATA_SOURCE) private readonly dataSource: DataSource,
    private readonly security: SecurityService,
  ) {}

  async status(): Promise<MasterKeyStatus> {
    const fromFile = readEnvFile(this.options.envFilePath)[VARIABLE];
    const fileFingerprint = fromFile && fromFile.length >= 32 ? new SecretCipher(fromFile).fingerprint() : undefined;
    const fingerprint = this.security.fingerprint();
    const platformKeys = await this.dataSource.getRepository(PlatformEntity).countBy({ apiKeyEnc: Not(IsNull()) });
    const userKeys = await this.dataSource.getRepository(SysPlatformKeyEntity).count();
    const yaml = this.yamlEnvelopes();
    return {
      configured: true,
      fingerprint,
      source: fileFingerprint === fingerprint ? 'env-file' : 'environment',
      envFile: this.options.envFilePath,
      envFileHasKey: fromFile !== undefined,
      envFileDiffers: fromFile !== undefined && fileFingerprint !== fingerprint,
      encryptedInDatabase: platformKeys + userKeys,
      encryptedInYaml: yaml.count,
      yamlProblem: yaml.problem,
    };
  }

  /** A YAML file that no longer parses (edited by hand while the server runs) is reported, never a failed status. */
  private yamlEnvelopes(): { count: number | null; problem: string | null } {
    try {
      const text = readYamlIfPresent(this.options.configPath);
      return { count: text === undefined ? 0 : findYamlEnvelopes(text, this.options.configPath).length, problem: null };
    } catch (error) {
      if (error instanceof LlmManagerError) return { count: null, problem: error.message };
      throw error;
    }
  }

  /**
   * Checks that `key` is the key in force and, when `writeEnvFile`, sets it in `.env` (0600) so the next start
   * finds it without the environment.
   * @throws LlmManagerError `CONFIG_INVALID` for a short key or a key other than the one in force.
   */
  async save(key: string, writeEnvFile: boolean): Promise<MasterKeyStatus> {
    assertMasterKey(key, 'The key you entered');
    const current = this.security.fingerprint();
    if (new SecretCipher(key).fingerprint() !== current) {
      throw new LlmManagerError(
        'CONFIG_INVALID',
        `This is not the LLM_KEY the server runs with (fingerprint ${current}). The database and the YAML are sealed ` +
          'with that key, so another one would lock them. To change the master key, stop the server and run ' +
          '`npx llm-mgr rotate-key`: it re-encrypts every secret and writes the new key to .env.',
        { details: { fingerprint: current } },
      );
    }
    if (writeEnvFile) {
      try {
        setEnvVariable(this.options.envFilePath, VARIABLE, key);
      } catch (error: unknown) {
        throw new LlmManagerError('CONFIG_INVALID', `Could not write ${this.options.envFilePath}. Make it writable by the server, or set LLM_KEY in the environment.`, {
          cause: error,
        });
      }
    }
    return this.status();
  }
}
