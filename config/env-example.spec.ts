import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';

const ROOT = join(__dirname, '..');
/** A hook of the CLI's own tests (pauses a key rotation), not a setting. */
const TEST_HOOKS = new Set(['LLM_MGR_CLI_TEST_PAUSE_AT']);
/**
 * How the sources read a variable: `env.X`, `env['X']`, `envFlag(env, 'X')`, `envNumber(env, 'X')`,
 * `positiveFromEnv(env, 'X')`, `…_VARIABLE = 'X'`.
 */
const READS = [
  /\benv\.([A-Z][A-Z0-9_]{2,})\b/g,
  /\benv\['([A-Z][A-Z0-9_]{2,})'\]/g,
  /\b(?:envFlag|envNumber|positiveFromEnv)\(env, '([A-Z][A-Z0-9_]+)'/g,
  /_VARIABLE = '([A-Z][A-Z0-9_]+)'/g,
];

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** config/.env.example is the list an operator reads: it must name every variable the product reads. */
describe('config/.env.example', () => {
  const example = readFileSync(join(ROOT, 'config', '.env.example'), 'utf8');
  const listed = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((match) => match[1]));

  it('lists every environment variable read under src/ (library, standalone server, CLI)', () => {
    const read = new Set<string>();
    for (const file of sourceFiles(join(ROOT, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const pattern of READS) for (const match of text.matchAll(pattern)) read.add(match[1]);
    }
    for (const hook of TEST_HOOKS) read.delete(hook);
    expect(read.size).toBeGreaterThanOrEqual(11);
    expect([...read].filter((name) => !listed.has(name)).sort()).toEqual([]);
  });

  it('lists every {PLACEHOLDER} key of the shipped llm_mgr_cfg.yaml', () => {
    const yaml = readFileSync(join(ROOT, 'llm_mgr_cfg.yaml'), 'utf8');
    const placeholders = [...yaml.matchAll(/api_key: '\{([A-Z][A-Z0-9_]+)\}'/g)].map((match) => match[1]);
    expect(placeholders.length).toBeGreaterThan(0);
    expect(placeholders.filter((name) => !listed.has(name))).toEqual([]);
  });
});
