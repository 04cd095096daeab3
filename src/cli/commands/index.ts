import type { CliCommand } from './command';
import { encryptCommand } from './encrypt.command';
import { exportYamlCommand } from './export-yaml.command';
import { initCommand } from './init.command';
import { probeCommand } from './probe.command';
import { purgeCommand } from './purge.command';
import { rotateKeyCommand } from './rotate-key.command';
import { syncCommand } from './sync.command';
import { testCommand } from './test.command';
import { usageCommand } from './usage.command';

/** Every command, in the order `llm-mgr --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [
  initCommand,
  encryptCommand,
  probeCommand,
  testCommand,
  syncCommand,
  purgeCommand,
  usageCommand,
  rotateKeyCommand,
  exportYamlCommand,
];

// Command files import only light modules at the top; Nest, TypeORM and LangChain are loaded inside `run()` with
// `await import()`, so `--help`, usage errors and `encrypt` answer without booting the whole library.
