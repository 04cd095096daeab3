#!/usr/bin/env node
// The standalone server's build, reused while its sources are unchanged.
//
//   node scripts/dist-build.js ensure   (prestart) builds with `npm run build` only when dist/ is missing or stale
//   node scripts/dist-build.js finish   (end of `npm run build`) gives the bin its exec bit, stamps what was built
//   node scripts/dist-build.js bin      (end of prepack) exec bit only: that build leaves out the server
//
// "Stale" compares a hash of the sources with the one stamped after the last full build, not modification times: a
// deleted source file, or one restored with an old time, changes the hash too; hashing src/ takes a few milliseconds.
// `nest build` empties dist/ first, so a failed or partial build leaves no stamp and the next start builds again.
const { spawnSync } = require('child_process');
const { createHash } = require('crypto');
const { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } = require('fs');
const { join, relative } = require('path');

/** What the build reads: sources and assets under src/ (specs excluded: they are not built), and its settings. */
const INPUT_FILES = ['tsconfig.json', 'nest-cli.json'];
const STAMP = join('dist', '.build-hash');
const BIN = join('dist', 'cli', 'main.js');
const SERVER = join('dist', 'app', 'main.js');

/** The hash of every build input under `root`, paths included (a rename is a change). */
function sourceHash(root) {
  const hash = createHash('sha256');
  const add = (path) => hash.update(`${relative(root, path)}\0`).update(readFileSync(path)).update('\0');
  const walk = (folder) => {
    for (const entry of readdirSync(folder, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (!entry.name.endsWith('.spec.ts')) add(path);
    }
  };
  walk(join(root, 'src'));
  for (const file of INPUT_FILES) if (existsSync(join(root, file))) add(join(root, file));
  return hash.digest('hex');
}

/** True when dist/ holds a full build of the sources as they are now. */
function isUpToDate(root) {
  const stamp = join(root, STAMP);
  return existsSync(stamp) && existsSync(join(root, SERVER)) && readFileSync(stamp, 'utf8').trim() === sourceHash(root);
}

/** `tsc` writes files 0644; npm sets the bin's exec bit only when it installs the package, not in this checkout. */
function markBinExecutable(root) {
  if (existsSync(join(root, BIN))) chmodSync(join(root, BIN), 0o755);
}

/** Builds unless dist/ is up to date; returns the exit code of the build (0 when none was needed). */
function ensure(root) {
  if (isUpToDate(root)) {
    console.log('dist/ is up to date with src/: reusing it (`npm run build` forces a build).');
    return 0;
  }
  // npm from PATH, not npm_execpath: under `npx` that names npx, which would answer `run build` with a package lookup.
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (build.error) throw build.error;
  return build.status ?? 1;
}

function finish(root) {
  markBinExecutable(root);
  writeFileSync(join(root, STAMP), `${sourceHash(root)}\n`);
}

module.exports = { ensure, finish, isUpToDate, markBinExecutable, sourceHash };

if (require.main === module) {
  const root = join(__dirname, '..');
  const command = process.argv[2];
  if (command === 'ensure') process.exitCode = ensure(root);
  else if (command === 'finish') finish(root);
  else if (command === 'bin') markBinExecutable(root);
  else {
    console.error('Usage: node scripts/dist-build.js ensure|finish|bin');
    process.exitCode = 2;
  }
}
