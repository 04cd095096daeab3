#!/usr/bin/env -S node --
import 'reflect-metadata';
import { drain, processIo } from './cli-io';
import { runCli } from './run-cli';

/**
 * `npx llm-mgr <command>`: see `llm-mgr --help`, and `run-cli.ts` for the exit codes. The shebang ends node's options
 * with `--`: Node 20 otherwise reads `--env-file` anywhere on the command line, ours included, and exits 9 when the
 * file does not exist yet (`llm-mgr init --env-file new.env`). npm's Windows shim understands `env -S` too.
 */
async function main(): Promise<void> {
  const io = processIo();
  const code = await runCli(process.argv.slice(2), { io, env: process.env, cwd: process.cwd() });
  await drain(io);
  // Explicit: a keep-alive socket of an HTTP agent or a database pool must not hold a finished command open.
  process.exit(code);
}

void main();
