/**
 * Writes the committed accuracy fixture: held-out passages (never fitted on) whose licence lets them ship in the
 * repository, with the real tokenizers' counts, so the estimator spec can check accuracy without the large corpus.
 */
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { PERMISSIVE_LICENSES } from './large/sources';
import type { MeasuredPassage } from './measure';
import type { FittedFamily } from './real-tokenizers';

/** The fixture file, beside the estimator it checks. */
export const FIXTURE_FILE = join(__dirname, '..', '..', 'src', 'llm-manager', 'usage', 'fixtures', 'token-held-out.json');

/** Upper bound on the fixtures' texts in UTF-8 (the JSON adds ~8 %; the spec allows 300 KB for the file). */
const MAX_BYTES = 250_000;
/** At most this many passages of one category, so code (the largest held-out category) does not crowd out the rest. */
const MAX_PER_CATEGORY = 30;

/** One passage of the fixture. */
export interface FixturePassage {
  readonly id: string;
  /** The source group; every one is held out (isHeldOutGroup), which the spec checks. */
  readonly group: string;
  readonly category: string;
  readonly license: string;
  readonly text: string;
  /** Token counts of the real tokenizers (scripts/token-factors/real-tokenizers.ts) on `text`. */
  readonly real: Readonly<Record<FittedFamily, number>>;
}

/** The fixture file's shape. */
export interface HeldOutFixture {
  readonly generatedBy: string;
  readonly passages: readonly FixturePassage[];
}

/** What was written, for the report. */
export interface FixtureSummary {
  readonly path: string;
  readonly passages: number;
  readonly bytes: number;
  readonly byCategory: Readonly<Record<string, number>>;
}

/** Held-out, permissively licensed passages, alternating categories, up to {@link MAX_BYTES} and {@link MAX_PER_CATEGORY}. */
function pick(docs: readonly MeasuredPassage[]): MeasuredPassage[] {
  const queues = ['zh', 'mixed', 'en', 'code'].map((category) =>
    docs.filter((p) => p.heldOut && p.category === category && PERMISSIVE_LICENSES.includes(p.license)).slice(0, MAX_PER_CATEGORY),
  );
  const picked: MeasuredPassage[] = [];
  let bytes = 0;
  for (let i = 0; queues.some((q) => i < q.length); i++) {
    for (const queue of queues) {
      const passage = queue[i];
      if (passage === undefined) continue;
      const size = Buffer.byteLength(passage.text, 'utf8');
      if (bytes + size > MAX_BYTES) continue;
      picked.push(passage);
      bytes += size;
    }
  }
  return picked;
}

/** Writes the fixture and says what is in it. */
export function writeHeldOutFixture(docs: readonly MeasuredPassage[]): FixtureSummary {
  const passages = pick(docs);
  const fixture: HeldOutFixture = {
    generatedBy: 'scripts/token-factors/fit.ts from held-out passages of the large corpus; do not edit by hand',
    passages: passages.map(({ id, group, category, license, text, real }) => ({ id, group, category, license, text, real })),
  };
  const json = `${JSON.stringify(fixture, null, 1)}\n`;
  writeFileSync(FIXTURE_FILE, json);
  const byCategory: Record<string, number> = {};
  for (const p of passages) byCategory[p.category] = (byCategory[p.category] ?? 0) + 1;
  return { path: relative(join(__dirname, '..', '..'), FIXTURE_FILE), passages: passages.length, bytes: Buffer.byteLength(json), byCategory };
}
