import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '..', '..');
const BUILDS = join(ROOT, 'node_modules', '.cache', 'llm-mgr-cli-e2e');
const LOCK = join(BUILDS, 'build.lock');
const BUILD_TIMEOUT_MS = 5 * 60_000;

/** What one run of the CLI left behind. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  cwd: string;
  env: Record<string, string>;
  stdin?: string;
  timeoutMs?: number;
}

/**
 * Compiles the CLI with the project's tsconfig.json (the compiler `nest build` runs) into a build folder of its own, keyed
 * by the content of the sources: the `dist/` other people's `nest build` wipes is never touched, a build
 * in use is never replaced under a running test, and parallel Jest workers share one build through a lock.
 * Returns the path of `cli/main.js`, the file `bin` points at.
 */
export async function ensureCliBuilt(): Promise<string> {
  const dir = join(BUILDS, sourceHash());
  const main = join(dir, 'dist', 'cli', 'main.js');
  const stamp = join(dir, 'built');
  if (existsSync(stamp)) return main;
  mkdirSync(BUILDS, { recursive: true });
  await acquireLock();
  try {
    if (existsSync(stamp)) return main;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await compile(join(dir, 'dist'));
    // run-cli.ts reads the version from ../../package.json, as it does from dist/cli in the package.
    copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    writeFileSync(stamp, new Date().toISOString());
    pruneOldBuilds(dir);
    return main;
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

/** Runs the built CLI as a child process and waits for it to end. */
export async function runCli(main: string, args: readonly string[], options: CliRunOptions): Promise<CliResult> {
  const child = spawnCli(main, args, options);
  const timeout = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 90_000);
  try {
    return await finished(child);
  } finally {
    clearTimeout(timeout);
  }
}

/** Starts the built CLI and returns it running, for tests that interrupt it. */
export function spawnCli(main: string, args: readonly string[], options: CliRunOptions): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [main, ...args], { cwd: options.cwd, env: options.env, stdio: 'pipe' });
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdin.end(options.stdin ?? '');
  return child;
}

/** Resolves with everything the child wrote once it has exited. */
export function finished(child: ChildProcessWithoutNullStreams): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

/** Resolves once the child's stderr contains `marker` (it keeps running). */
export function waitForStderr(child: ChildProcessWithoutNullStreams, marker: string): Promise<string> {
  let seen = '';
  return new Promise((resolvePromise, reject) => {
    const onData = (chunk: string): void => {
      seen += chunk;
      if (seen.includes(marker)) {
        child.stderr.off('data', onData);
        resolvePromise(seen);
      }
    };
    child.stderr.on('data', onData);
    child.on('close', (code) => reject(new Error(`the CLI ended (code ${code}) before printing '${marker}':\n${seen}`)));
  });
}

/** A child environment with nothing of this process's own LLM_* variables: only what a test gives. */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', TZ: 'UTC', ...extra };
}

function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|json)$/.test(entry.name) && !entry.name.endsWith('.spec.ts')) {
        hash.update(`${path}\0`).update(readFileSync(path)).update('\0');
      }
    }
  };
  walk(join(ROOT, 'src'));
  hash.update(readFileSync(join(ROOT, 'tsconfig.json')));
  return hash.digest('hex').slice(0, 16);
}

/**
 * `tsc` with the project's compiler options on `src/cli/main.ts` and everything it imports (dynamic imports
 * included): the files the bin needs, laid out under `outDir` as under `dist/`.
 */
async function compile(outDir: string): Promise<void> {
  const project = join(outDir, '..', 'tsconfig.cli.json');
  writeFileSync(
    project,
    JSON.stringify({
      extends: join(ROOT, 'tsconfig.json'),
      compilerOptions: { outDir, rootDir: join(ROOT, 'src') },
      files: [join(ROOT, 'src', 'cli', 'main.ts')],
      include: [],
    }),
  );
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', project], { cwd: ROOT, timeout: BUILD_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 });
  } catch (error: unknown) {
    const output = String((error as { stdout?: unknown }).stdout ?? '') + String((error as { stderr?: unknown }).stderr ?? '');
    const ours = output.split('\n').filter((line) => line.startsWith('src/cli/'));
    // tsc still emits on type errors; errors in files other engineers are editing must not hide the CLI's own.
    if (ours.length > 0 || !existsSync(join(outDir, 'cli', 'main.js'))) throw new Error(`Building the CLI failed:\n${output}`);
    console.warn(`tsc reported errors outside src/cli (the CLI was built anyway):\n${output}`);
  }
}

async function acquireLock(): Promise<void> {
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    try {
      mkdirSync(LOCK);
      return;
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A builder killed mid-way leaves its lock behind; one older than a build can take is stale.
      const lock = statSync(LOCK, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > BUILD_TIMEOUT_MS) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${LOCK}`);
      await new Promise((wake) => setTimeout(wake, 250));
    }
  }
}

function pruneOldBuilds(keep: string): void {
  const builds = readdirSync(BUILDS, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && join(BUILDS, entry.name) !== keep && entry.name !== 'build.lock')
    .map((entry) => ({ path: join(BUILDS, entry.name), time: statSync(join(BUILDS, entry.name)).mtimeMs }))
    .sort((a, b) => b.time - a.time);
  // Another worker may still run an older build; keep the two most recent besides this one.
  for (const old of builds.slice(2)) rmSync(old.path, { recursive: true, force: true });
}
