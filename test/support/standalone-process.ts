import { spawn, type ChildProcessWithoutNullStreams } from 'child_process';
import { createServer } from 'net';
import { join } from 'path';

const ROOT = join(__dirname, '..', '..');

/** A standalone server (`src/app/main.ts`) running as a child process of the test, as `npm start` runs it. */
export class StandaloneProcess {
  private output = '';

  private constructor(
    readonly name: string,
    readonly url: string,
    private readonly child: ChildProcessWithoutNullStreams,
  ) {
    child.stdout.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
  }

  /**
   * Starts one from the sources (ts-node, transpile only: no build step to share with other specs) with `env` as
   * its whole environment, and waits until `/health` answers 200 (at most `healthTimeoutMs`).
   */
  static async start(name: string, cwd: string, env: Record<string, string>, healthTimeoutMs = 90_000): Promise<StandaloneProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), join(ROOT, 'src', 'app', 'main.ts')], {
      cwd,
      env: { PATH: process.env.PATH ?? '', TS_NODE_PROJECT: join(ROOT, 'tsconfig.json'), ...env, PORT: String(port) },
      stdio: 'pipe',
    });
    const server = new StandaloneProcess(name, `http://127.0.0.1:${port}`, child);
    await server.waitHealthy(healthTimeoutMs);
    return server;
  }

  /** Everything the process printed so far. */
  get log(): string {
    return this.output;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  private async waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`${this.name} exited with ${this.child.exitCode}:\n${this.output}`);
      const healthy = await fetch(`${this.url}/health`).then(
        (response) => response.status === 200,
        () => false,
      );
      if (healthy) return;
      await new Promise((wake) => setTimeout(wake, 200));
    }
    await this.stop();
    throw new Error(`${this.name} did not answer /health within ${timeoutMs} ms:\n${this.output}`);
  }
}

/** A port that was free a moment ago; nobody listens on it until someone takes it (a closed port, for a refused connection). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
