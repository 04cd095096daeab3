import { usageError } from './cli-exit';

/** Where a command writes and reads; `main.ts` passes the process streams. */
export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
}

/** The process's own streams. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };
}

/** Writes one line to stdout: the command's result. */
export function out(io: CliIo, line = ''): void {
  io.stdout.write(`${line}\n`);
}

/** Writes one line to stderr: progress, warnings, errors. */
export function err(io: CliIo, line: string): void {
  io.stderr.write(`${line}\n`);
}

/** Resolves once everything written so far has been handed to the OS, so exiting loses no output. */
export async function drain(io: CliIo): Promise<void> {
  await Promise.all(
    [io.stdout, io.stderr].map((stream) => new Promise<void>((resolve) => stream.write('', () => resolve()))),
  );
}

/**
 * Reads one secret from stdin, never from the command line (argv lands in shell history and `ps`). A pipe is read
 * to its end and trailing newlines are dropped; a terminal is read with echo off after `prompt` (on stderr).
 * @throws CliError (usage) when stdin is empty or holds more than one line.
 */
export async function readSecret(io: CliIo, prompt: string): Promise<string> {
  const raw = io.stdin.isTTY ? await readHiddenLine(io, prompt) : await readAll(io.stdin);
  const secret = raw.replace(/[\r\n]+$/, '');
  if (secret.trim() === '') throw usageError(`Nothing to read on stdin: ${prompt.replace(/:\s*$/, '')} is empty.`);
  if (/[\r\n]/.test(secret)) {
    throw usageError('stdin holds more than one line; pass exactly one key (e.g. printf %s "$KEY" | npx llm-mgr …).');
  }
  return secret;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** A line typed at a terminal in raw mode, so nothing is echoed; Ctrl-C cancels, Backspace edits. */
function readHiddenLine(io: CliIo, prompt: string): Promise<string> {
  const stdin = io.stdin;
  io.stderr.write(prompt);
  return new Promise<string>((resolve, reject) => {
    let typed = '';
    const finish = (error?: Error): void => {
      stdin.removeListener('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr.write('\n');
      if (error) reject(error);
      else resolve(typed);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const char of chunk.toString()) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(usageError('Cancelled.'));
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else typed += char;
      }
    };
    stdin.setRawMode?.(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}
