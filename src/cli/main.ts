#!/usr/bin/env node
import 'reflect-metadata';
import { drain, processIo } from './cli-io';
import { runCli } from './run-cli';

/** `npx llm-mgr <command>`: see `llm-mgr --help`, and `run-cli.ts` for the exit codes. */
async function main(): Promise<void> {
  const io = processIo();
  const code = await runCli(process.argv.slice(2), { io, env: process.env, cwd: process.cwd() });
  await drain(io);
  // Explicit: a keep-alive socket of an HTTP agent or a database pool must not hold a finished command open.
  process.exit(code);
}

void main();
