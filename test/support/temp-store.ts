import type { ModuleMetadata } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { LlmManagerModule } from '../../src/llm-manager/llm-manager.module';
import type { LlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import { HostResolver } from '../../src/llm-manager/security/url-guard';
import { Clock } from '../../src/llm-manager/usage/clock';
import { createTestDatabase, testEngineName, type TestDatabase } from './test-engine';

/**
 * Tests never ask real DNS: names under example.com resolve to a public documentation-free address (never
 * connected to), everything else fails as an unknown host would.
 */
export class OfflineHostResolver extends HostResolver {
  override async lookup(hostname: string): Promise<Array<{ address: string; family: number }>> {
    if (hostname === 'example.com' || hostname.endsWith('.example.com')) return [{ address: '93.184.215.14', family: 4 }];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  }
}

type ModuleImports = NonNullable<ModuleMetadata['imports']>;

/** A fixed 43-character key so tests can reopen a store; never used outside tests. */
export const TEST_MASTER_KEY = 'test-master-key-0123456789-abcdefghijklmnopq';

/**
 * A temp folder holding one YAML file and one .env, the way a host app has them, and a database of its own on the
 * engine of this run (a SQLite file in the folder, a PostgreSQL schema or a MariaDB database).
 */
export class TempStore {
  readonly dir = mkdtempSync(join(tmpdir(), 'llm-mgr-'));
  readonly dbPath = join(this.dir, 'llm_config.db');
  readonly yamlPath = join(this.dir, 'llm_mgr_cfg.yaml');
  readonly envPath = join(this.dir, '.env');
  readonly journalDir = join(this.dir, 'llm_mgr_journal');
  readonly database: TestDatabase = createTestDatabase(testEngineName(), this.dbPath);

  constructor(yaml: string = readFileSync(join(__dirname, '..', 'fixtures', 'basic.yaml'), 'utf8')) {
    this.writeYaml(yaml);
  }

  writeYaml(yaml: string): void {
    writeFileSync(this.yamlPath, yaml);
  }

  /** Options pointing at this folder; `env` is isolated from the test process's own environment. */
  options(overrides: LlmManagerOptions = {}): LlmManagerOptions {
    return {
      database: this.database.options,
      configPath: this.yamlPath,
      envFilePath: this.envPath,
      masterKey: TEST_MASTER_KEY,
      env: { TEST_PLATFORM_KEY: 'sk-test-env-key-0000111122223333' },
      usageJournal: this.journalDir,
      ...overrides,
    };
  }

  /** Compiles and starts the module (migrations, key check, YAML sync), as a host app's start does; `clock`: a test's. */
  async start(overrides: LlmManagerOptions = {}, imports: ModuleImports = [], clock?: Clock): Promise<TestingModule> {
    let builder = Test.createTestingModule({
      imports: [LlmManagerModule.forRoot(this.options(overrides)), ...imports],
    })
      .overrideProvider(HostResolver)
      .useValue(new OfflineHostResolver());
    if (clock) builder = builder.overrideProvider(Clock).useValue(clock);
    const moduleRef = await builder.compile();
    moduleRef.useLogger(false);
    await moduleRef.init();
    return moduleRef;
  }

  /** Everything stored: the SQLite file's bytes, or a full dump of the schema/database on a server engine. */
  dbBytes(): Buffer {
    return this.database.snapshot();
  }

  remove(): void {
    this.database.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
