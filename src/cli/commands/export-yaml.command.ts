import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { verifyKeyCheck } from '../../llm-manager/security/master-key';
import { flag, text } from '../cli-args';
import { ExitCode, usageError } from '../cli-exit';
import { err, out } from '../cli-io';
import { replaceFileAtomically } from '../support/durable-file';
import { currentCipher } from '../support/master-key-source';
import type { CliCommand } from './command';

/** `llm-mgr export-yaml`: the system platforms of the database as llm_mgr_cfg.yaml. */
export const exportYamlCommand: CliCommand = {
  name: 'export-yaml',
  summary: 'Write the system platforms of the database as YAML (keys as ENC: or {ENV}, never plain).',
  usage: 'export-yaml [--output <file> [--force]]',
  description: [
    'Prints the system platforms (in order, with their models), keys and system usage bindings of the database in ' +
      'the format of llm_mgr_cfg.yaml. A key stored in the database is written as its ENC:v1: value (it opens with ' +
      'the same LLM_KEY), a key read from an environment variable as its {ENV} placeholder; a key is never written ' +
      'in plain text. Users\' own platforms and keys are not exported.',
  ],
  options: {
    output: { type: 'string', short: 'o', valueName: '<file>', description: 'Write to this file instead of stdout.' },
    force: { type: 'boolean', description: 'Overwrite the --output file if it exists.' },
  },
  positionals: [],
  exitCodes: {
    [ExitCode.Failure]: 'the database is unreachable, or the output file cannot be written',
    [ExitCode.Usage]: 'the --output file exists and --force was not given',
    [ExitCode.Config]: 'LLM_KEY is missing or does not open the database or a stored key',
  },
  async run(ctx, args) {
    const output = text(args, 'output');
    const target = output === undefined ? undefined : resolve(ctx.cwd, output);
    if (target !== undefined && existsSync(target) && !flag(args, 'force')) {
      throw usageError(`${target} exists; pass --force to overwrite it.`);
    }
    const cipher = currentCipher(ctx);
    const { openMigratedStore, readKeyCheck } = await import('../support/cli-store');
    const { exportSystemCatalogue } = await import('../support/yaml-export');
    const dataSource = await openMigratedStore(ctx.options.database);
    const exported = await (async () => {
      try {
        const check = await readKeyCheck(dataSource.manager);
        if (check !== null) verifyKeyCheck(cipher, check);
        const header =
          ` Exported by 'llm-mgr export-yaml' on ${new Date().toISOString()}.\n` +
          ` ENC:v1: values open with the LLM_KEY of fingerprint ${cipher.fingerprint()}.`;
        return await exportSystemCatalogue(dataSource, cipher, header);
      } finally {
        await dataSource.destroy();
      }
    })();
    for (const warning of exported.warnings) err(ctx.io, `warning: ${warning}`);
    if (target === undefined) {
      ctx.io.stdout.write(exported.text);
      return ExitCode.Ok;
    }
    replaceFileAtomically(target, exported.text, 0o644);
    out(
      ctx.io,
      `Wrote ${exported.platforms} platform(s), ${exported.models} model(s) and ${exported.usages} usage ` +
        `binding(s) to ${target}.`,
    );
    return ExitCode.Ok;
  },
};
