import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { ensure } from '../../scripts/dist-build';

const SCRIPT = join(__dirname, '..', '..', 'scripts', 'dist-build.js');

/**
 * `npm start` (prestart: `scripts/dist-build.js ensure`) on a project shaped like ours whose `npm run build` is a
 * stand-in for `nest build`: it empties dist/, writes the two entry points 0644 as tsc does, counts itself, and ends
 * like our real build script (`finish`). The real build takes ~40 s here; what is tested is when it runs.
 */
describe('npm start reuses an up-to-date build', () => {
  let root: string;
  const builds = (): number => Number(readFileSync(join(root, 'builds'), 'utf8'));
  const binMode = (): number => statSync(join(root, 'dist', 'cli', 'main.js')).mode & 0o777;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'llm-mgr-start-'));
    mkdirSync(join(root, 'src', 'app'), { recursive: true });
    writeFileSync(join(root, 'src', 'app', 'main.ts'), 'console.log(1);\n');
    writeFileSync(join(root, 'src', 'app', 'main.spec.ts'), 'it("x", () => undefined);\n');
    writeFileSync(join(root, 'tsconfig.json'), '{}\n');
    writeFileSync(join(root, 'builds'), '0');
    writeFileSync(
      join(root, 'build.js'),
      `const fs = require('fs');
fs.rmSync('dist', { recursive: true, force: true });
for (const dir of ['dist/app', 'dist/cli']) fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync('dist/app/main.js', '', { mode: 0o644 });
fs.writeFileSync('dist/cli/main.js', '#!/usr/bin/env -S node --\\n', { mode: 0o644 });
fs.writeFileSync('builds', String(Number(fs.readFileSync('builds', 'utf8')) + 1));
if (fs.existsSync('fail-build')) process.exit(1);
require(${JSON.stringify(SCRIPT)}).finish(process.cwd());
`,
    );
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'fake', private: true, scripts: { build: 'node build.js' } }));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('builds on the first start, then starts on the same build while nothing changed', () => {
    expect(ensure(root)).toBe(0);
    expect(builds()).toBe(1);
    expect(ensure(root)).toBe(0);
    expect(ensure(root)).toBe(0);
    expect(builds()).toBe(1);
  });

  it('builds again when a source changes, appears or goes, but not for a spec', () => {
    ensure(root);
    writeFileSync(join(root, 'src', 'app', 'main.spec.ts'), 'it("y", () => undefined);\n');
    ensure(root);
    expect(builds()).toBe(1);
    writeFileSync(join(root, 'src', 'app', 'main.ts'), 'console.log(2);\n');
    ensure(root);
    expect(builds()).toBe(2);
    writeFileSync(join(root, 'src', 'app', 'extra.ts'), 'export {};\n');
    ensure(root);
    expect(builds()).toBe(3);
    unlinkSync(join(root, 'src', 'app', 'extra.ts'));
    ensure(root);
    expect(builds()).toBe(4);
    writeFileSync(join(root, 'tsconfig.json'), '{ "compilerOptions": {} }\n');
    ensure(root);
    expect(builds()).toBe(5);
  });

  it('every build leaves the bin executable, so `npx llm-mgr` runs it', () => {
    ensure(root);
    expect(binMode()).toBe(0o755);
    writeFileSync(join(root, 'src', 'app', 'main.ts'), 'console.log(3);\n');
    ensure(root);
    expect(builds()).toBe(2);
    expect(binMode()).toBe(0o755);
  });

  it('a failed build fails the start and is tried again on the next one', () => {
    writeFileSync(join(root, 'fail-build'), '');
    expect(ensure(root)).toBe(1);
    unlinkSync(join(root, 'fail-build'));
    expect(ensure(root)).toBe(0);
    expect(builds()).toBe(2);
  });

  it('the command line: an unknown command exits 2 with the usage', () => {
    expect(spawnSync(process.execPath, [SCRIPT, 'frobnicate'], { cwd: root }).status).toBe(2);
  });
});
