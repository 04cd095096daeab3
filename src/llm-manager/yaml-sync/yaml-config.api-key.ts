import { isMap, isScalar } from 'yaml';

import type { YamlApiKey } from './yaml-config';
import { quoteName, type YamlProblemReporter } from './yaml-config.problem';
import type { YamlEntry, YamlNodeReader } from './yaml-config.reader';
import { plaintextKeyWarning, type YamlWarning } from './yaml-warning';

const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ENVELOPE_PATTERN = /^ENC:v1:[A-Za-z0-9_-]+={0,2}$/;
const KEY_ADVICE =
  "encrypt it in the console or with 'npx llm-mgr encrypt' and paste the ENC:v1:… value, " +
  "or reference an environment variable as '{ENV_VAR}'";
const ENCRYPT_AGAIN = "encrypt the key again in the console or with 'npx llm-mgr encrypt' and paste the whole value.";

/**
 * Reads a platform's `api_key`: `{ENV_VAR}`, `ENC:v1:…`, or plain text (accepted, with a warning pushed to
 * `warnings`). The key itself never appears in a message: a YAML file under review is often pasted into tickets.
 */
export function readYamlApiKey(
  field: YamlEntry,
  platform: string,
  reader: YamlNodeReader,
  warnings: YamlWarning[],
): YamlApiKey {
  const report: YamlProblemReporter = reader.report;
  const value = field.value;
  if (value === null) return { kind: 'none' };
  const fail = (problem: string, fix: string): never => report.fail(value, field.path, problem, fix);

  if (isMap(value) && value.items.length === 1 && reader.resolve(value.items[0].value, field.path) === null) {
    const name = reader.scalarText(reader.resolve(value.items[0].key, field.path)) ?? '';
    fail(
      'api_key is a YAML mapping: braces without quotes are not a placeholder.',
      `quote it: api_key: '{${ENV_NAME_PATTERN.test(name) ? name : 'ENV_VAR'}}'.`,
    );
  }
  if (!isScalar(value) || typeof value.value !== 'string') {
    return fail(`api_key must be a string, not ${reader.describe(value)}.`, `quote the value; better, ${KEY_ADVICE}.`);
  }
  const text = value.value.trim();
  if (text === '') {
    fail('api_key is empty.', `remove api_key for a platform that needs no key (e.g. Ollama), or ${KEY_ADVICE}.`);
  }
  if (text.startsWith('ENC:')) {
    if (!text.startsWith('ENC:v1:')) {
      fail('api_key is encrypted in an unsupported format (only ENC:v1: is known).', ENCRYPT_AGAIN);
    }
    if (!ENVELOPE_PATTERN.test(text)) {
      fail('api_key starts with ENC:v1: but the rest is not base64url (cut or wrapped?).', ENCRYPT_AGAIN);
    }
    return { kind: 'encrypted', envelope: text };
  }
  if (text.startsWith('${') && text.endsWith('}')) {
    fail("api_key uses a shell-style placeholder '${…}'.", "drop the '$', keep the braces: '{DEEPSEEK_API_KEY}'.");
  }
  if (text.startsWith('{') || text.endsWith('}')) {
    const variable = text.startsWith('{') && text.endsWith('}') ? text.slice(1, -1).trim() : '';
    if (!ENV_NAME_PATTERN.test(variable)) {
      fail(
        'api_key looks like an {ENV_VAR} placeholder, but the braces do not hold a valid environment variable name ' +
          '(letters, digits and _, not starting with a digit).',
        "write it in quotes as '{DEEPSEEK_API_KEY}'.",
      );
    }
    return { kind: 'env', variable };
  }
  const { line } = report.positionOf(value);
  warnings.push(plaintextKeyWarning(platform, quoteName(platform), report.file, line));
  return { kind: 'plain', value: text };
}
