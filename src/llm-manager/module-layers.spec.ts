import { readdirSync, readFileSync } from 'fs';
import { join, relative } from 'path';

/**
 * The call path only goes down: `getUserLlm` → user-selection → catalogue (the read side), and the builder → catalogue.
 * Neither reaches up into admin (the writes) nor sideways into each other's upper layers; the route DTOs' shared input
 * rules (admin/dto) are the one thing they may borrow.
 */
const ROOT = __dirname;
const BELOW: Record<string, string[]> = {
  catalogue: ['admin', 'user-selection', 'builder', 'yaml-sync', 'http'],
  cooldowns: ['admin', 'user-selection', 'builder', 'catalogue', 'gateway', 'yaml-sync', 'http'],
  'user-selection': ['admin', 'builder', 'yaml-sync', 'http'],
  builder: ['admin', 'yaml-sync', 'http'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Every module folder a file imports from, as `folder/rest` relative to src/llm-manager. */
function importedPaths(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/from '(\.[^']+)'/g)].map((m) => relative(ROOT, join(file, '..', m[1])));
}

describe('module layers', () => {
  it.each(Object.entries(BELOW))('%s imports nothing from the layers above it', (folder, above) => {
    const offending = sourceFiles(join(ROOT, folder)).flatMap((file) =>
      importedPaths(file)
        .filter((path) => above.includes(path.split('/')[0]) && !path.startsWith('admin/dto/'))
        .map((path) => `${relative(ROOT, file)} → ${path}`),
    );
    expect(offending).toEqual([]);
  });

  it('sees the imports it checks (a file known to import the catalogue)', () => {
    expect(importedPaths(join(ROOT, 'builder', 'llm-builder.service.ts'))).toContain('catalogue/key-resolver');
  });
});
