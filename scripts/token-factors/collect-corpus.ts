/**
 * Copies the third-party part of the token-factor corpus out of node_modules (and the user's seed README, when
 * present) and rewrites corpus/manifest.json. The hand-written documents already in corpus/ are kept as they are.
 *
 *   npx ts-node --transpile-only scripts/token-factors/collect-corpus.ts
 *
 * Excerpts are cut at a line boundary so the byte-exact corpus is reproducible from the same package versions.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const CORPUS = join(__dirname, 'corpus');
const SEED = '/work/shared/seed/llm-manager-README.zh.md';
const PERMISSIVE = ['MIT', 'ISC', 'Apache-2.0', 'BSD-2-Clause', 'BSD-3-Clause'];

interface Excerpt {
  readonly from: string;
  readonly to: string;
  readonly maxChars: number;
  readonly stripBadges?: boolean;
}

interface ManifestEntry {
  readonly file: string;
  readonly category: string;
  readonly source: string;
  readonly license: string;
}

const README = (pkg: string, file: string, to: string): Excerpt => ({
  from: `${pkg}/${file}`,
  to: `en/${to}`,
  maxChars: 6000,
  stripBadges: true,
});

const EXCERPTS: readonly Excerpt[] = [
  README('glob', 'README.md', '10-glob-readme.txt'),
  README('commander', 'Readme.md', '11-commander-readme.txt'),
  README('debug', 'README.md', '12-debug-readme.txt'),
  README('class-validator', 'README.md', '13-class-validator-readme.txt'),
  README('dayjs', 'README.md', '14-dayjs-readme.txt'),
  README('@langchain/openai', 'README.md', '15-langchain-openai-readme.txt'),
  README('reflect-metadata', 'README.md', '16-reflect-metadata-readme.txt'),
  README('cron', 'README.md', '17-cron-readme.txt'),
  README('multer', 'README.md', '18-multer-readme.txt'),
  README('semver', 'README.md', '19-semver-readme.txt'),
  { from: 'gpt-tokenizer/src/BytePairEncodingCore.ts', to: 'code/10-bpe-core.ts.txt', maxChars: 9000 },
  { from: 'rxjs/src/internal/operators/mergeInternals.ts', to: 'code/11-rxjs-merge-internals.ts.txt', maxChars: 7000 },
  { from: 'rxjs/src/internal/operators/retry.ts', to: 'code/12-rxjs-retry.ts.txt', maxChars: 7000 },
  { from: '@nestjs/common/pipes/validation.pipe.js', to: 'code/13-nest-validation-pipe.js.txt', maxChars: 8000 },
  { from: '@nestjs/core/router/router-explorer.js', to: 'code/14-nest-router-explorer.js.txt', maxChars: 8000 },
  { from: 'typeorm/query-builder/SelectQueryBuilder.js', to: 'code/15-typeorm-select-qb.js.txt', maxChars: 8000 },
  { from: 'yaml/dist/compose/resolve-block-map.js', to: 'code/16-yaml-block-map.js.txt', maxChars: 7000 },
  {
    from: 'class-validator/types/validation/ValidatorOptions.d.ts',
    to: 'code/17-validator-options.d.ts.txt',
    maxChars: 7000,
  },
  {
    from: '@nestjs/common/interfaces/modules/module-metadata.interface.d.ts',
    to: 'code/18-nest-module-metadata.d.ts.txt',
    maxChars: 7000,
  },
  { from: 'webpack/schemas/plugins/container/ContainerPlugin.json', to: 'code/19-webpack-schema.json.txt', maxChars: 8000 },
  { from: 'fork-ts-checker-webpack-plugin/lib/plugin-options.json', to: 'code/20-plugin-options.json.txt', maxChars: 8000 },
  { from: '@babel/compat-data/data/plugins.json', to: 'code/21-babel-plugins.json.txt', maxChars: 6000 },
];

/** Cuts at the last line break before maxChars, so no document ends mid-line. */
function excerpt(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const cut = text.lastIndexOf('\n', maxChars);
  return text.slice(0, cut > 0 ? cut + 1 : maxChars);
}

/** Badge rows and raw HTML are markup rather than prose; dropping them keeps the English category about language. */
function stripBadges(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^\s*(\[!\[|!\[|<\/?[a-z])/i.test(line))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n');
}

function packageOf(modulePath: string): string {
  const parts = modulePath.split('/');
  return modulePath.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function licenseOf(pkg: string): string {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as {
    license?: unknown;
  };
  return typeof manifest.license === 'string' ? manifest.license : 'UNKNOWN';
}

function copyExcerpts(): ManifestEntry[] {
  return EXCERPTS.map((item) => {
    const pkg = packageOf(item.from);
    const license = licenseOf(pkg);
    if (!PERMISSIVE.includes(license)) throw new Error(`${item.from}: license ${license} is not permissive`);
    const raw = readFileSync(join(ROOT, 'node_modules', item.from), 'utf8');
    writeFileSync(join(CORPUS, item.to), excerpt(item.stripBadges ? stripBadges(raw) : raw, item.maxChars));
    return { file: item.to, category: dirname(item.to), source: `node_modules/${item.from}`, license };
  });
}

/** The seed README is long and spans three topics, so it becomes three documents split at its level-2 headings. */
function copySeed(): ManifestEntry[] {
  if (!existsSync(SEED)) return [];
  const lines = readFileSync(SEED, 'utf8').split('\n');
  const starts = [0, lines.indexOf('## 🚀 快速上手'), lines.indexOf('## 📊 用量追踪功能'), lines.length];
  if (starts.includes(-1)) throw new Error('seed README headings changed; update the split points');
  return [0, 1, 2].map((part) => {
    const file = `mixed/2${part}-seed-readme-part${part + 1}.txt`;
    writeFileSync(join(CORPUS, file), lines.slice(starts[part], starts[part + 1]).join('\n'));
    return { file, category: 'mixed', source: 'seed/llm-manager-README.zh.md (the user\'s design)', license: 'project' };
  });
}

function main(): void {
  const copied = [...copyExcerpts(), ...copySeed()];
  const known = new Set(copied.map((entry) => entry.file));
  const original: ManifestEntry[] = [];
  for (const category of ['zh', 'en', 'code', 'mixed']) {
    for (const name of readdirSync(join(CORPUS, category)).sort()) {
      const file = `${category}/${name}`;
      if (known.has(file)) continue;
      original.push({ file, category, source: 'original, written for this corpus', license: 'project' });
    }
  }
  const entries = [...original, ...copied].sort((a, b) => a.file.localeCompare(b.file));
  writeFileSync(join(CORPUS, 'manifest.json'), `${JSON.stringify(entries, null, 2)}\n`);
  console.log(`${entries.length} documents listed in ${relative(ROOT, join(CORPUS, 'manifest.json'))}`);
}

main();
