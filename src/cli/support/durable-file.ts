import { chmodSync, closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes `content` to `path` and forces it to disk before returning, with `mode` whatever the umask says. Used for
 * files that must survive a crash right after (the rotation journal, the re-encrypted YAML waiting to be renamed).
 */
export function writeDurable(path: string, content: string, mode: number): void {
  const fd = openSync(path, 'w', mode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(path, mode);
}

/** Renames `from` over `to` (atomic on one file system) and syncs the folder, so the rename itself is durable. */
export function renameDurable(from: string, to: string): void {
  renameSync(from, to);
  syncFolder(dirname(to));
}

/** Replaces `path` atomically: a reader (or a crash) sees the old content or the new one, never a mix. */
export function replaceFileAtomically(path: string, content: string, mode: number): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeDurable(temp, content, mode);
    renameDurable(temp, path);
  } finally {
    rmSync(temp, { force: true });
  }
}

function syncFolder(folder: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(folder, 'r');
    fsyncSync(fd);
  } catch (error: unknown) {
    // Some file systems refuse fsync on a directory (EISDIR/EINVAL); the rename has happened either way.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EINVAL' && code !== 'EPERM') throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
