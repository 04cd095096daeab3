import { spawn, type ChildProcess } from 'child_process';

/**
 * Another process holding the write lock of a SQLite file for `holdMs` (BEGIN IMMEDIATE … COMMIT), as a second
 * server or the CLI does mid-write. A child process, so the wait it causes is measured in this one.
 */
export async function holdSqliteWriteLock(file: string, holdMs: number): Promise<{ released: Promise<void> }> {
  const script =
    "const D = require('better-sqlite3'); const db = new D(process.argv[1]); db.exec('BEGIN IMMEDIATE');" +
    "process.stdout.write('locked\\n'); setTimeout(() => { db.exec('COMMIT'); db.close(); }, Number(process.argv[2]));";
  const child: ChildProcess = spawn(process.execPath, ['-e', script, file, String(holdMs)], {
    cwd: __dirname,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const released = new Promise<void>((done, fail) =>
    child.once('exit', (code) => (code === 0 ? done() : fail(new Error(`lock holder exited with ${code}`)))),
  );
  await new Promise<void>((done, fail) => {
    child.stdout!.once('data', () => done());
    child.once('exit', (code) => fail(new Error(`lock holder exited with ${code} before locking`)));
  });
  return { released };
}
