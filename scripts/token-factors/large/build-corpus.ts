/**
 * Builds the large token-factor corpus from text on this machine (no network) and writes it to
 * scripts/token-factors/large/corpus.jsonl (not committed: a few MB, and partly third-party text).
 *
 *   nice -n 10 npx ts-node --transpile-only scripts/token-factors/large/build-corpus.ts
 *
 * Deterministic for a given set of installed packages: files are sampled by a hash of their path (installing a
 * package changes the sample by at most its own files), and the train/held-out split is a hash of the source group.
 * token-factors.json records the corpus's sha256.
 */
import { writeFileSync } from 'node:fs';
import { LARGE_CORPUS_FILE, toPassages } from './passages';
import { collectSources } from './sources';

function main(): void {
  const passages = toPassages(collectSources());
  writeFileSync(LARGE_CORPUS_FILE, passages.map((p) => JSON.stringify(p)).join('\n') + '\n');
  const summary = new Map<string, { train: number; heldOut: number; chars: number }>();
  for (const p of passages) {
    const row = summary.get(p.category) ?? { train: 0, heldOut: 0, chars: 0 };
    if (p.heldOut) row.heldOut++;
    else row.train++;
    row.chars += p.text.length;
    summary.set(p.category, row);
  }
  for (const [category, row] of summary) console.log(`${category}: ${row.train} train, ${row.heldOut} held out, ${row.chars} chars`);
  console.log(`${passages.length} passages written to ${LARGE_CORPUS_FILE}`);
}

main();
