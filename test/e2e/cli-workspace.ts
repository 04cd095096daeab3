import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { childEnv, runCli, spawnCli, type CliResult } from './cli-harness';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';

/** A master key for tests (≥ 32 characters); never used outside them. */
export const CLI_TEST_KEY = 'cli-e2e-master-key-0123456789-abcdefghijklm';

/**
 * The folder an operator runs `llm-mgr` in: `.env`, `llm_mgr_cfg.yaml` and (on SQLite) `llm_config.db`. Every run
 * of the CLI gets this folder as its cwd and an environment holding only what the test gives.
 */
export class CliWorkspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'llm-mgr-cli-'));
  readonly envPath = join(this.dir, '.env');
  readonly yamlPath = join(this.dir, 'llm_mgr_cfg.yaml');
  readonly dbPath = join(this.dir, 'llm_config.db');

  /** `LLM_MGR_DATABASE_URL` of every run: the SQLite file of this folder unless a server database is given. */
  readonly databaseUrl: string;

  constructor(
    private readonly main: string,
    databaseUrl?: string,
  ) {
    this.databaseUrl = databaseUrl ?? this.dbPath;
  }

  writeEnv(variables: Record<string, string>): void {
    writeFileSync(this.envPath, Object.entries(variables).map(([name, value]) => `${name}=${value}\n`).join(''), { mode: 0o600 });
  }

  readEnv(): Record<string, string> {
    return parseDotenv(readFileSync(this.envPath, 'utf8'));
  }

  envMode(): number {
    return statSync(this.envPath).mode & 0o777;
  }

  writeYaml(text: string): void {
    writeFileSync(this.yamlPath, text);
  }

  readYaml(): string {
    return readFileSync(this.yamlPath, 'utf8');
  }

  /** Runs `llm-mgr <args>` here and waits for it. */
  run(args: readonly string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
    return runCli(this.main, args, { cwd: this.dir, env: this.env(options.env), stdin: options.stdin });
  }

  /** Starts `llm-mgr <args>` here and returns it running. */
  spawn(args: readonly string[], options: { stdin?: string; env?: Record<string, string> } = {}): ChildProcessWithoutNullStreams {
    return spawnCli(this.main, args, { cwd: this.dir, env: this.env(options.env), stdin: options.stdin });
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private env(extra: Record<string, string> = {}): Record<string, string> {
    return childEnv({ LLM_MGR_DATABASE_URL: this.databaseUrl, ...extra });
  }
}
