/**
 * The committed, hand-written and permissively licensed token-factor corpus: one source of the large corpus
 * (large/sources.ts), and the text bench-tokenizers.ts and the estimator specs run on.
 */
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

/** A corpus document with its text. */
export interface CorpusDoc extends CorpusEntry {
  readonly text: string;
}

/** All documents in manifest order (sorted by file), texts included. */
export function readCorpus(): CorpusDoc[] {
  const manifest = JSON.parse(readFileSync(join(CORPUS_DIR, 'manifest.json'), 'utf8')) as CorpusEntry[];
  return manifest.map((entry) => ({ ...entry, text: readFileSync(join(CORPUS_DIR, entry.file), 'utf8') }));
}
