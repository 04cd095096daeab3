import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import request from 'supertest';

/**
 * The package a host installs: the library is compiled, packed with `npm pack`, installed into a copy of
 * examples/host-app, built by the host's own tsc, started, and called over HTTP. It is compiled into a staging folder,
 * not into dist/: colleagues' servers and builds use dist/ at the same time, and a fresh build needs no staleness
 * guess. Only the npm registry (or the npm cache) is reached; the host app itself needs no network.
 */

const ROOT = join(__dirname, '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'host-app');
const TSC = require.resolve('typescript/bin/tsc');
const ALICE = { 'x-user-id': 'alice' };
const WORK_PREFIX = 'llm-mgr-package-';
/** Children still running when the spec ends (a failed or timed-out step): killed in afterAll. */
const running = new Set<ChildProcess>();

// Installing ~280 packages from the npm cache takes ~30 s; compiling better-sqlite3, if it has to, ~45 s more.
jest.setTimeout(6 * 60_000);

function tail(output: string): string {
  return output.slice(-4000);
}

/** Runs a command to completion and returns its stdout; a non-zero exit fails with the tail of its output. */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let stdout = '';
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      running.delete(child);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${basename(command)} ${args.join(' ')} in ${cwd} exited with ${code}:\n${tail(output)}`));
    });
  });
}

/** Work folders of runs that were killed before afterAll: older than any run of this spec can last. */
async function removeAbandonedWork(): Promise<void> {
  const cutoff = Date.now() - 60 * 60_000;
  for (const name of (await readdir(tmpdir())).filter((entry) => entry.startsWith(WORK_PREFIX))) {
    const folder = join(tmpdir(), name);
    const modified = await stat(folder).then(
      (stats) => stats.mtimeMs,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return Date.now(); // another run removed it first
        throw error;
      },
    );
    if (modified < cutoff) await rm(folder, { recursive: true, force: true });
  }
}

/**
 * The nested npm keeps the caller's npm settings (cache, registry, user config) but not what the outer `npm test`
 * says about this project, which would point it back at the repository.
 */
function npmEnv(): NodeJS.ProcessEnv {
  const project = /^(npm_package_|npm_lifecycle_|npm_config_local_prefix$|npm_command$|INIT_CWD$)/i;
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !project.test(name)));
}

interface PackResult {
  filename: string;
  files: string[];
}

async function npmPack(cwd: string, flags: string[]): Promise<PackResult> {
  const stdout = await run('npm', ['pack', '--json', '--ignore-scripts', ...flags], cwd, npmEnv());
  const [result] = JSON.parse(stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  return { filename: result.filename, files: result.files.map((file) => file.path) };
}

/**
 * better-sqlite3's install script asks prebuild-install for a binary from GitHub, which is out of reach here, then
 * compiles SQLite for ~45 s. Our own node_modules holds a binary built for this very Node: offered as a local
 * prebuild, the script unpacks it, as it would a download. Another version or platform just falls back to compiling.
 */
async function offerLocalSqliteBinary(hostDir: string, work: string): Promise<void> {
  const packageDir = dirname(require.resolve('better-sqlite3/package.json'));
  const binary = 'build/Release/better_sqlite3.node';
  const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
  const musl = process.platform === 'linux' && !report.header?.glibcVersionRuntime;
  if (musl || !existsSync(join(packageDir, binary))) return;
  const { version } = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const prebuilds = join(work, 'prebuilds');
  await mkdir(prebuilds);
  const target = `node-v${process.versions.modules}-${process.platform}-${process.arch}`;
  const name = `better-sqlite3-v${version}-${target}.tar.gz`;
  await run('tar', ['-czf', join(prebuilds, name), '-C', packageDir, binary], work);
  // prebuild-install reads its settings from the nearest .prebuild-installrc above the package it installs.
  await writeFile(join(hostDir, '.prebuild-installrc'), JSON.stringify({ 'local-prebuilds': prebuilds }));
}

/** A copy of the example whose `llm-mgr` dependency is the tarball. */
async function copyExample(work: string, tarball: string): Promise<string> {
  const hostDir = join(work, 'host-app');
  const leftovers = new Set(['node_modules', 'dist', '.env']);
  await cp(EXAMPLE, hostDir, {
    recursive: true,
    filter: (source) => !leftovers.has(basename(source)) && !source.endsWith('.db'),
  });
  const manifestPath = join(hostDir, 'package.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { dependencies: Record<string, string> };
  manifest.dependencies['llm-mgr'] = `file:${tarball}`;
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
  return hostDir;
}

interface RunningHost {
  child: ChildProcess;
  url: string;
}

/** Starts the built host in `cwd` on a port the OS picks; resolves with its URL once it logs that it listens. */
function startHost(hostDir: string, cwd: string): Promise<RunningHost> {
  // A clean environment: nothing of this process's LLM_* variables or .env reaches the host.
  const env = { NO_COLOR: '1', PORT: '0', HOST: '127.0.0.1' };
  const main = join(hostDir, 'dist', 'main.js');
  const child = spawn(process.execPath, [main], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.on('exit', () => running.delete(child));
  return new Promise((resolve, reject) => {
    let output = '';
    const read = (chunk: Buffer): void => {
      output += chunk.toString();
      const url = /Listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve({ child, url });
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      reject(new Error(`The host app exited (${code ?? signal}) before it listened:\n${tail(output)}`)),
    );
  });
}

async function stopHost(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const escalation = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(escalation);
}

describe('llm-mgr as a package a host app installs', () => {
  let work: string;
  let tarball: string | undefined;
  let host: RunningHost | undefined;

  beforeAll(async () => {
    await removeAbandonedWork();
    work = await mkdtemp(join(tmpdir(), WORK_PREFIX));
  });

  afterAll(async () => {
    if (host) await stopHost(host.child);
    for (const child of running) child.kill('SIGKILL');
    await rm(work, { recursive: true, force: true });
  });

  it('packs the freshly built library and none of the repository sources, tests or scripts', async () => {
    const stage = join(work, 'package');
    const [listed] = await Promise.all([
      npmPack(ROOT, ['--dry-run']),
      run(process.execPath, [TSC, '-p', 'tsconfig.build.json', '--outDir', join(stage, 'dist')], ROOT),
    ]);
    expect(listed.files.filter((file) => /^(src|test|scripts|bench|examples|config|docs)\//.test(file))).toEqual([]);
    for (const file of listed.files.filter((path) => !path.startsWith('dist/'))) {
      await cp(join(ROOT, file), join(stage, file));
    }

    const packed = await npmPack(stage, ['--pack-destination', work]);

    expect(packed.files).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'llm_mgr_cfg.yaml',
        'dist/llm-manager/index.js',
        'dist/llm-manager/index.d.ts',
        'dist/llm-manager/usage/token-factors.json',
        'dist/cli/main.js',
      ]),
    );
    expect(packed.files.filter((file) => !/^dist\/(llm-manager|cli)\//.test(file) && file.includes('/'))).toEqual([]);
    expect(packed.files.filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))).toEqual([]);
    tarball = join(work, packed.filename);
  });

  it('installs into the example host, which builds, starts and serves its own route and llm-mgr’s', async () => {
    if (!tarball) throw new Error('No tarball: packing failed (see the previous test).');
    const hostDir = await copyExample(work, tarball);
    await offerLocalSqliteBinary(hostDir, work);

    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], hostDir, npmEnv());

    // One copy of what Nest's DI and LangChain compare by identity: the host's, not one nested under llm-mgr.
    const { peerDependencies } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
      peerDependencies: Record<string, string>;
    };
    const nested = Object.keys(peerDependencies).filter((name) =>
      existsSync(join(hostDir, 'node_modules', 'llm-mgr', 'node_modules', name)),
    );
    expect(nested).toEqual([]);

    const hostTsc = join(hostDir, 'node_modules', 'typescript', 'bin', 'tsc');
    await run(process.execPath, [hostTsc, '-p', 'tsconfig.json'], hostDir);
    const runDir = join(work, 'run');
    await mkdir(runDir);
    host = await startHost(hostDir, runDir);

    const fromLibrary = await request(host.url).get('/api/ai/user-selection').set(ALICE);
    const fromHost = await request(host.url).get('/me/llm').set(ALICE);

    expect(fromLibrary.status).toBe(200);
    expect(fromLibrary.body).toMatchObject({ user_id: 'alice', usage_key: 'main', platform_name: 'Local Ollama' });
    expect(fromHost.status).toBe(200);
    expect(fromHost.body).toEqual(fromLibrary.body);
  });
});
