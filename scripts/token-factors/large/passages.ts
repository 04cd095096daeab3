/** Cuts source documents into passages and assigns each group to the train or the held-out side. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fnv1a } from './local-files';
import type { Category, SourceDoc } from './sources';

/** Where build-corpus.ts writes the large corpus (not committed) and fit.ts reads it. */
export const LARGE_CORPUS_FILE = join(__dirname, 'corpus.jsonl');

/** One passage of the large corpus. */
export interface Passage {
  readonly id: string;
  readonly group: string;
  readonly category: Category;
  readonly source: string;
  readonly license: string;
  readonly heldOut: boolean;
  readonly text: string;
}

const TARGET_CHARS = 3000;
const MIN_CHARS = 300;
const MAX_PASSAGES_PER_DOC = 3;

/** A quarter of the groups, by hash of the group name, are held out: never fitted on, only measured. */
export function isHeldOutGroup(group: string): boolean {
  return fnv1a(group) % 4 === 0;
}

/** Chunks of about TARGET_CHARS, cut after a line break; trailing whitespace of the document dropped. */
function chunks(text: string): string[] {
  const body = text.replace(/\r\n/g, '\n').trimEnd();
  const pieces: string[] = [];
  let start = 0;
  while (start < body.length) {
    let end = Math.min(body.length, start + TARGET_CHARS);
    if (end < body.length) {
      const lineEnd = body.lastIndexOf('\n', end);
      if (lineEnd > start + TARGET_CHARS / 2) end = lineEnd + 1;
    }
    pieces.push(body.slice(start, end));
    start = end;
  }
  return pieces.filter((piece) => piece.trim().length >= MIN_CHARS);
}

/** Up to MAX_PASSAGES_PER_DOC chunks of each document, spread over it (first, middle, last). */
export function toPassages(docs: readonly SourceDoc[]): Passage[] {
  const passages: Passage[] = [];
  const seen = new Set<string>();
  for (const doc of docs) {
    const all = chunks(doc.text);
    const step = Math.max(1, Math.ceil(all.length / MAX_PASSAGES_PER_DOC));
    all.forEach((text, i) => {
      if (i % step !== 0 || seen.has(text)) return;
      seen.add(text);
      const heldOut = isHeldOutGroup(doc.group);
      const { group, category, source, license } = doc;
      passages.push({ id: `${source}#${category}-${i}`, group, category, source, license, heldOut, text });
    });
  }
  return passages;
}

/** The passages build-corpus.ts wrote; tells how to build them when the file is missing. */
export function readLargeCorpus(): Passage[] {
  let raw: string;
  try {
    raw = readFileSync(LARGE_CORPUS_FILE, 'utf8');
  } catch (error) {
    throw new Error(`${LARGE_CORPUS_FILE} is missing: run scripts/token-factors/large/build-corpus.ts first`, { cause: error });
  }
  return raw.trim().split('\n').map((line) => JSON.parse(line) as Passage);
}
