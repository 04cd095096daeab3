/**
 * The sources of the large token-factor corpus, all read from this machine: man pages (English and Chinese),
 * Debian docs, gettext catalogs (Chinese UI text and bilingual chat composed from them), source code in many
 * languages, and the committed hand-written corpus. Traditional Chinese (zh_TW man pages) is left out: the
 * estimator is fitted for simplified Chinese, and o200k_base splits traditional characters differently. Each document carries a `group`: the train/held-out split is
 * made per group, so one file, package or catalog never lands on both sides.
 */
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { readCorpus, type CorpusEntry } from '../corpus-manifest';
import { everyNth, listFiles, readText, renderManPage, sampleByHash } from './local-files';
import { readMoFile, type MoMessage } from './mo-file';

/** The corpus categories, as in the committed corpus. */
export type Category = CorpusEntry['category'];

/** One source document before it is cut into passages. */
export interface SourceDoc {
  readonly group: string;
  readonly category: Category;
  readonly source: string;
  /** SPDX id when the text may be redistributed under a permissive licence, else 'other' (kept out of fixtures). */
  readonly license: string;
  readonly text: string;
}

/** Licences whose text may go into the committed accuracy fixture. */
export const PERMISSIVE_LICENSES = ['project', 'MIT', 'ISC', 'Apache-2.0', 'BSD-2-Clause', 'BSD-3-Clause', 'PSF-2.0', 'PostgreSQL'];

const ROOT = join(__dirname, '..', '..', '..');
const NODE_MODULES = join(ROOT, 'node_modules');
const MAN = '/usr/share/man';
const LOCALE_ZH = '/usr/share/locale/zh_CN/LC_MESSAGES';
const PYTHON_LIB = '/root/.pyenv/versions/3.13.0/lib/python3.13';

function manPages(dir: string, category: Category, limit: number): SourceDoc[] {
  const pages = listFiles(dir, (name) => name.endsWith('.gz'), 2);
  return sampleByHash(pages, limit).flatMap((path) => {
    const text = renderManPage(path);
    return text === undefined ? [] : [{ group: `man:${basename(path)}`, category, source: path, license: 'other', text }];
  });
}

function plainFiles(
  paths: readonly string[],
  category: Category,
  groupOf: (path: string) => string,
  licenseOf: (path: string) => string = () => 'other',
): SourceDoc[] {
  return paths.flatMap((path) => {
    const text = readText(path);
    const source = path.startsWith(`${ROOT}/`) ? path.slice(ROOT.length + 1) : path;
    return text === undefined ? [] : [{ group: groupOf(path), category, source, license: licenseOf(path), text }];
  });
}

/** The npm package a node_modules path belongs to. */
function packageOf(path: string): string {
  return `npm:${packageDir(path).slice(NODE_MODULES.length + 1)}`;
}

/** The folder of the innermost package holding a node_modules path (nested node_modules included). */
function packageDir(path: string): string {
  const marker = '/node_modules/';
  const at = path.lastIndexOf(marker) + marker.length;
  const parts = path.slice(at).split('/');
  return path.slice(0, at) + (parts[0].startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
}

/** The `license` field of the package a node_modules path belongs to. */
function npmLicense(path: string): string {
  const manifest = JSON.parse(readFileSync(join(packageDir(path), 'package.json'), 'utf8')) as {
    license?: unknown;
  };
  return typeof manifest.license === 'string' ? manifest.license : 'other';
}

function sourceCode(): SourceDoc[] {
  const inNodeModules = (ext: RegExp, limit: number): string[] =>
    sampleByHash(listFiles(NODE_MODULES, (name) => ext.test(name) && !name.endsWith('.min.js')), limit, NODE_MODULES);
  const python = sampleByHash(listFiles(PYTHON_LIB, (name) => name.endsWith('.py'), 1), 40);
  return [
    ...plainFiles(inNodeModules(/\.ts$/, 40), 'code', packageOf, npmLicense),
    ...plainFiles(inNodeModules(/\.js$/, 40), 'code', packageOf, npmLicense),
    ...plainFiles(inNodeModules(/\.(c|h|cc|cpp)$/, 15), 'code', packageOf, npmLicense),
    ...plainFiles(python, 'code', (path) => `python:${basename(path)}`, () => 'PSF-2.0'),
    ...plainFiles(sampleByHash(listFiles('/usr/include', (name) => name.endsWith('.h'), 1), 14), 'code', (p) => `c:${p}`),
    ...plainFiles(listFiles('/usr/share/doc/git/contrib', (name) => /\.(go|sh|py|perl|pl)$/.test(name)), 'code', () => 'git-contrib'),
    ...plainFiles(sampleByHash(listFiles('/usr/share/perl5', (name) => name.endsWith('.pm')), 15), 'code', (p) => `perl:${p}`),
    ...plainFiles(
      sampleByHash(listFiles('/usr/share', (name) => name.endsWith('.cmake'), 3), 15),
      'code',
      (path) => `cmake:${basename(path)}`,
    ),
  ];
}

function englishProse(): SourceDoc[] {
  const readmes = listFiles(NODE_MODULES, (name) => /^readme\.md$/i.test(name), 3);
  const debianDocs = listFiles('/usr/share/doc', (name) => /^(README|NEWS|FAQ|TODO)(\.md|\.txt)?(\.gz)?$/.test(name), 2);
  return [
    ...manPages(join(MAN, 'man1'), 'en', 45),
    ...manPages(join(MAN, 'man5'), 'en', 15),
    ...manPages(join(MAN, 'man8'), 'en', 15),
    ...plainFiles(sampleByHash(readmes, 50, NODE_MODULES), 'en', packageOf, npmLicense),
    ...plainFiles(sampleByHash(debianDocs, 30), 'en', (path) => `deb:${basename(dirname(path))}`),
  ];
}

/** Long translated messages of one catalog, one per paragraph: Chinese UI and help text. */
function catalogProse(domain: string, messages: readonly MoMessage[]): SourceDoc {
  const text = messages.filter((m) => m.translation.length >= 24).map((m) => m.translation.trim()).join('\n\n');
  return { group: `mo:${domain}`, category: 'zh', source: `${LOCALE_ZH}/${domain}.mo`, license: catalogLicense(domain), text };
}

/** PostgreSQL's catalogs (pg_dump-15, psql-15, libpq5-15, …) are under the PostgreSQL licence; others vary. */
function catalogLicense(domain: string): string {
  return /-15$/.test(domain) ? 'PostgreSQL' : 'other';
}

const CHAT_TURNS: ReadonlyArray<(m: MoMessage) => string> = [
  (m) => `用户：这条提示是什么意思？\n> ${m.original}\n\n助手：它的意思是：${m.translation}`,
  (m) => `User: 请把这句翻译成中文："${m.original}"\nAssistant: ${m.translation}`,
  (m) => `Q: 日志里出现了「${m.translation}」，英文原文是什么？\nA: The original message is: ${m.original}`,
  (m) => `msgid "${m.original}"\nmsgstr "${m.translation}"`,
];

/** A chat-style bilingual conversation composed from a catalog's message pairs. */
function catalogChat(domain: string, messages: readonly MoMessage[]): SourceDoc {
  const usable = messages.filter((m) => m.original.length >= 12 && m.translation !== m.original);
  const turns = everyNth(usable, 3, 200).map((m, i) => CHAT_TURNS[i % CHAT_TURNS.length](m));
  const source = `${LOCALE_ZH}/${domain}.mo`;
  return { group: `mo:${domain}`, category: 'mixed', source, license: catalogLicense(domain), text: turns.join('\n\n') };
}

function catalogs(): SourceDoc[] {
  return listFiles(LOCALE_ZH, (name) => name.endsWith('.mo'), 0).flatMap((path) => {
    const domain = basename(path, '.mo');
    const messages = readMoFile(path);
    return [catalogProse(domain, messages), catalogChat(domain, messages)];
  });
}

function committedCorpus(): SourceDoc[] {
  return readCorpus().map((doc) => ({
    group: `committed:${doc.file}`,
    category: doc.category,
    source: `scripts/token-factors/corpus/${doc.file}`,
    license: doc.license === 'project' || PERMISSIVE_LICENSES.includes(doc.license) ? doc.license : 'other',
    text: doc.text,
  }));
}

/** Every source document, in a fixed order. */
export function collectSources(): SourceDoc[] {
  return [
    ...committedCorpus(),
    ...manPages(join(MAN, 'zh_CN'), 'mixed', 60),
    ...catalogs(),
    ...englishProse(),
    ...sourceCode(),
  ];
}
