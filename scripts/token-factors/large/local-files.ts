/** Deterministic file listing and reading helpers for the corpus builder; everything read is on this machine. */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Every file under `dir` (sorted, depth-first) whose name passes `accept`; [] when the folder is missing. */
export function listFiles(dir: string, accept: (name: string) => boolean, maxDepth = 8): string[] {
  if (!existsSync(dir) || maxDepth < 0) return [];
  const found: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat === undefined) continue;
    if (stat.isDirectory()) found.push(...listFiles(path, accept, maxDepth - 1));
    else if (stat.isFile() && accept(name)) found.push(path);
  }
  return found;
}

/** FNV-1a, 32 bit: a stable hash that does not depend on the order files are listed in. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/**
 * The `limit` paths with the smallest hash, in path order: a spread-out sample that installing or removing other
 * packages changes by at most the files added or removed (a stride over the sorted list would shift every pick).
 * Paths are hashed relative to `root`, so the checkout's location does not change the sample.
 */
export function sampleByHash(paths: readonly string[], limit: number, root = ''): string[] {
  const key = (path: string): number => fnv1a(path.startsWith(root) ? path.slice(root.length) : path);
  return [...paths]
    .sort((a, b) => key(a) - key(b) || a.localeCompare(b))
    .slice(0, limit)
    .sort();
}

/** Every `stride`-th item starting at `offset`, at most `limit`: a fixed, spread-out sample of a sorted list. */
export function everyNth<T>(items: readonly T[], stride: number, limit: number, offset = 0): T[] {
  const picked: T[] = [];
  for (let i = offset; i < items.length && picked.length < limit; i += stride) picked.push(items[i]);
  return picked;
}

/** A text file, or undefined when it is binary, not UTF-8, or unreadable. */
export function readText(path: string): string | undefined {
  try {
    const raw = readFileSync(path);
    const bytes = path.endsWith('.gz') ? gunzipSync(raw) : raw;
    if (bytes.includes(0)) return undefined;
    const text = bytes.toString('utf8');
    return text.includes('\ufffd') ? undefined : text;
  } catch {
    return undefined; // unreadable files are simply not part of the corpus
  }
}

/** A man page rendered to plain text at 80 columns, the 7-column body indent removed. */
export function renderManPage(path: string): string | undefined {
  try {
    const rendered = execFileSync('sh', ['-c', 'man -l -E UTF-8 "$1" 2>/dev/null | col -bx', 'man', path], {
      encoding: 'utf8',
      env: { ...process.env, MANWIDTH: '80', LANG: 'C.UTF-8', MAN_DISABLE_SECCOMP: '1' },
      maxBuffer: 16 * 1024 * 1024,
    });
    return rendered.replace(/^ {1,7}/gm, '');
  } catch {
    return undefined; // a page groff cannot render is left out
  }
}
