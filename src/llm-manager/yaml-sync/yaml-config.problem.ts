import type { LineCounter, Range } from 'yaml';

import { LlmManagerError } from '../common/llm-manager.error';

/** Something with a source range (a parsed YAML node), a raw offset, or nothing (start of the file). */
export type YamlSpot = { range?: Range | null } | number | null | undefined;

/** Segments from the document root, e.g. `['platforms', 'DeepSeek', 'base_url']`. */
export type YamlPath = readonly string[];

/** A line:column in the file, both 1-based. */
export interface YamlPosition {
  line: number;
  column: number;
}

const MAX_QUOTED_LENGTH = 60;

const MAX_PATH_SEGMENTS = 12;

/**
 * `platforms.DeepSeek.models."GLM-4.6"`: segments that would read ambiguously are quoted, and a very deep path (a
 * recursive alias) keeps its start and end.
 */
export function formatYamlPath(path: YamlPath): string {
  const segments = path.map((segment) =>
    /^[^."\s](?:[^."]*[^."\s])?$/.test(segment) ? quoteLimit(segment) : JSON.stringify(quoteLimit(segment)),
  );
  if (segments.length <= MAX_PATH_SEGMENTS) return segments.join('.');
  return [...segments.slice(0, MAX_PATH_SEGMENTS - 2), '…', segments[segments.length - 1]].join('.');
}

function quoteLimit(text: string): string {
  return text.length > MAX_QUOTED_LENGTH ? `${text.slice(0, MAX_QUOTED_LENGTH)}…` : text;
}

/** A user-written name for a message: quoted, and cut short so a pasted blob cannot flood the log. */
export function quoteName(name: string): string {
  return `'${quoteLimit(name)}'`;
}

/**
 * The candidate a typo most likely meant, or undefined when none is close. Case, `_`, `-` and spaces are ignored
 * first, so `baseUrl` finds `base_url`.
 */
export function closestName(input: string, candidates: readonly string[]): string | undefined {
  const wanted = looseForm(input);
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(wanted, looseForm(name));
    if (best === undefined || distance < best.distance) best = { name, distance };
  }
  const tolerance = Math.max(1, Math.floor(wanted.length / 3));
  return best !== undefined && best.distance <= tolerance ? best.name : undefined;
}

function looseForm(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/[\s_-]+/g, '');
}

function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0];
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j];
      previous[j] = Math.min(previous[j] + 1, previous[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length];
}

/** Turns problems found in one YAML file into `CONFIG_INVALID` errors that point at a line:column. */
export class YamlProblemReporter {
  constructor(
    readonly file: string,
    private readonly lineCounter: LineCounter,
  ) {}

  /** Where a node starts; the start of the file when it has no range. */
  positionOf(spot: YamlSpot): YamlPosition {
    const offset = typeof spot === 'number' ? spot : (spot?.range?.[0] ?? 0);
    const { line, col } = this.lineCounter.linePos(offset);
    return { line: Math.max(line, 1), column: Math.max(col, 1) };
  }

  /**
   * Throws `CONFIG_INVALID`: `file:line:column: path: problem Fix: …`. Callers must never put a secret in `problem`
   * or `fix`.
   */
  fail(spot: YamlSpot, path: YamlPath, problem: string, fix: string): never {
    const { line, column } = this.positionOf(spot);
    const where = path.length > 0 ? `${formatYamlPath(path)}: ` : '';
    throw new LlmManagerError('CONFIG_INVALID', `${this.file}:${line}:${column}: ${where}${problem} Fix: ${fix}`, {
      details: { file: this.file, line, column, path: formatYamlPath(path) },
    });
  }
}
