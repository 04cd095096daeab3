import { LlmManagerError } from '../../src/llm-manager/common/llm-manager.error';
import { parseYamlConfig } from '../../src/llm-manager/yaml-sync/yaml-config.loader';

/** Lines 1–5 of most cases: one valid platform with one model. */
export const P = [
  'platforms:',
  '  DeepSeek:',
  '    base_url: https://api.deepseek.com/v1',
  '    models:',
  '      DeepSeek-V3: deepseek-chat',
];
/** A platform header without models, lines 1–3. */
export const Q = ['platforms:', '  P:', '    base_url: https://p.example/v1'];

/** One YAML the loader must refuse, and what its message must say. */
export interface Rejection {
  name: string;
  lines: string[];
  /** 1-based line the message must point at. */
  line: number;
  /** YAML path in the message and in `details.path` ('' for file-level problems). */
  path: string;
  says: string[];
  /** Expected in the part after "Fix:". */
  fix: string;
}

/** The error `parseYamlConfig` throws for `lines` (as file `bad.yaml`). */
export function rejection(lines: string[]): LlmManagerError {
  try {
    parseYamlConfig(lines.join('\n'), 'bad.yaml');
  } catch (error: unknown) {
    if (error instanceof LlmManagerError) return error;
    throw error;
  }
  throw new Error('expected CONFIG_INVALID');
}

/** CONFIG_INVALID pointing at file:line, naming the YAML path, saying `says`, with `fix` after "Fix:". */
export function expectRejected({ lines, line, path, says, fix }: Rejection): void {
  const error = rejection(lines);
  expect(error.code).toBe('CONFIG_INVALID');
  expect(error.message).toMatch(new RegExp(`^bad\\.yaml:${line}:\\d+: `));
  expect(error.details).toMatchObject({ file: 'bad.yaml', line, path });
  if (path !== '') expect(error.message).toContain(` ${path}: `);
  for (const text of says) expect(error.message).toContain(text);
  const [, fixText] = error.message.split(' Fix: ');
  expect(fixText).toContain(fix);
}
