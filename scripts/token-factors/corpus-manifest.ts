/** The token-factor corpus as fit.ts, bench-tokenizers.ts and the estimator spec read it. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Folder of the corpus documents and manifest.json. */
export const CORPUS_DIR = join(__dirname, 'corpus');

/** The four corpus categories, one folder each. */
export const CATEGORIES = ['zh', 'en', 'code', 'mixed'] as const;

/** One row of corpus/manifest.json. */
export interface CorpusEntry {
  readonly file: string;
  readonly category: (typeof CATEGORIES)[number];
  readonly source: string;
  readonly license: string;
}

/** A corpus document with its text and whether the fit holds it out. */
export interface CorpusDoc extends CorpusEntry {
  readonly text: string;
  readonly heldOut: boolean;
}

/**
 * Every fifth document of each category (by file name, offset 2) is held out of the fit, so the reported
 * held-out errors and the spec's bound check run on text the factors never saw.
 */
function isHeldOut(indexInCategory: number): boolean {
  return indexInCategory % 5 === 2;
}

/** All documents in manifest order (sorted by file), texts included. */
export function readCorpus(): CorpusDoc[] {
  const manifest = JSON.parse(readFileSync(join(CORPUS_DIR, 'manifest.json'), 'utf8')) as CorpusEntry[];
  const seen = new Map<string, number>();
  return manifest.map((entry) => {
    const index = seen.get(entry.category) ?? 0;
    seen.set(entry.category, index + 1);
    return { ...entry, text: readFileSync(join(CORPUS_DIR, entry.file), 'utf8'), heldOut: isHeldOut(index) };
  });
}

/** sha256 over every document's path and text, recorded in token-factors.json to pair factors with a corpus. */
export function corpusSha256(docs: readonly CorpusDoc[]): string {
  const hash = createHash('sha256');
  for (const doc of docs) hash.update(`${doc.file}\0${doc.text}\0`);
  return hash.digest('hex');
}
