import { existsSync, readFileSync } from 'node:fs';
import { isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { LlmManagerError } from '../../llm-manager/common/llm-manager.error';
import { SecretCipher } from '../../llm-manager/security/secret-cipher';

/** One `ENC:` value of a YAML file, where it is. */
export interface YamlEnvelope {
  envelope: string;
  line: number;
}

/** The YAML file's text, or undefined when there is no file. */
export function readYamlIfPresent(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}

/**
 * Every string value of the file that starts with `ENC:` (not only `api_key`s: whatever is encrypted must follow the
 * key). Only the syntax is checked here; the loader checks the rest when the file is used.
 * @throws LlmManagerError `CONFIG_INVALID` when the file is not parseable YAML.
 */
export function findYamlEnvelopes(text: string, file: string): YamlEnvelope[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false });
  const problem = doc.errors[0];
  if (problem !== undefined) {
    const { line, col } = lineCounter.linePos(problem.pos[0]);
    throw new LlmManagerError('CONFIG_INVALID', `${file}:${line}:${col}: YAML syntax error: ${problem.message}`, {
      details: { file, line, column: col },
    });
  }
  const found: YamlEnvelope[] = [];
  visit(doc, {
    Scalar(_key, node) {
      if (!isScalar(node) || typeof node.value !== 'string') return;
      const value = node.value.trim();
      if (SecretCipher.isEnvelope(value)) found.push({ envelope: value, line: lineCounter.linePos(node.range?.[0] ?? 0).line });
    },
  });
  return found;
}

/**
 * Decrypts every envelope with `from` and encrypts it again with `to`, editing the text in place so comments,
 * order and quoting stay as the operator wrote them. The result is parsed again and checked: every envelope opens
 * with `to`, and there are as many as before.
 * @throws LlmManagerError `MASTER_KEY_INVALID` / `SECRET_INVALID` when a value does not open with `from`.
 */
export function reencryptYaml(text: string, file: string, from: SecretCipher, to: SecretCipher): string {
  const envelopes = findYamlEnvelopes(text, file);
  let result = text;
  const unique = [...new Map(envelopes.map((found) => [found.envelope, found])).values()];
  for (const { envelope, line } of unique) {
    const plain = from.decrypt(envelope, `the ENC value on line ${line} of ${file}`);
    if (!result.includes(envelope)) {
      throw new LlmManagerError(
        'CONFIG_INVALID',
        `${file}:${line}: the ENC value is not written on one line, so it cannot be replaced in place. ` +
          'Fix: put the whole ENC:v1:… value on a single line, quoted.',
        { details: { file, line } },
      );
    }
    result = result.split(envelope).join(to.encrypt(plain));
  }
  const rewritten = findYamlEnvelopes(result, file);
  if (rewritten.length !== envelopes.length) {
    throw new Error(`Re-encrypting ${file} changed the number of ENC values (${envelopes.length} → ${rewritten.length}).`);
  }
  for (const { envelope, line } of rewritten) to.decrypt(envelope, `the re-encrypted ENC value on line ${line} of ${file}`);
  return result;
}
