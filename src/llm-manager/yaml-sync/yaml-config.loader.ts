import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { type Document, type ErrorCode, isScalar, LineCounter, parseDocument, visit } from 'yaml';

import { unstorableText } from '../common/input-shape';
import { LlmManagerError } from '../common/llm-manager.error';
import type { YamlConfig } from './yaml-config';
import { YamlProblemReporter } from './yaml-config.problem';
import { validateYamlConfig } from './yaml-config.validator';

const SYNTAX_FIXES: Partial<Record<ErrorCode, string>> = {
  TAB_AS_INDENT: 'indent with spaces; YAML does not allow tabs.',
  BAD_INDENT: 'align keys of the same level to the same column, with spaces.',
  MULTIPLE_DOCS: "keep a single document: remove the extra '---' line.",
  MISSING_CHAR: 'close the quote or bracket that was opened.',
  BAD_DQ_ESCAPE: "use single quotes, or escape '\\' as '\\\\' inside double quotes.",
  TAG_RESOLVE_FAILED: "remove the '!tag' in front of the value.",
  MULTILINE_IMPLICIT_KEY: "put ':' right after the key, on the same line.",
};
/** Parser messages that speak to a programmer rather than to whoever edits the file. */
const SYNTAX_MESSAGES: Partial<Record<ErrorCode, string>> = {
  MULTIPLE_DOCS: "The file holds more than one YAML document (separated by '---').",
};
const DEFAULT_SYNTAX_FIX =
  "check the indentation (spaces only) and quote values that contain ': ', ' #' or start with a special character.";

/**
 * Parses and validates the text of `llm_mgr_cfg.yaml` (SPEC M10). `fileName` only labels messages.
 * Throws `LlmManagerError('CONFIG_INVALID')` whose message gives `file:line:column`, the YAML path and the fix,
 * and whose `details` hold `{ file, line, column, path }`. Warnings (plain-text keys) are returned, not thrown.
 */
export function parseYamlConfig(text: string, fileName: string): YamlConfig {
  const lineCounter = new LineCounter();
  // Duplicate keys are checked by the validator, which can name both lines and ignores case for platform names.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  const report = new YamlProblemReporter(fileName, lineCounter);
  const syntaxProblem = doc.errors[0] ?? doc.warnings[0];
  if (syntaxProblem !== undefined) {
    // The parser's own message never quotes more than a token, so no key can leak through it.
    report.fail(
      syntaxProblem.pos[0],
      [],
      `YAML syntax error: ${SYNTAX_MESSAGES[syntaxProblem.code] ?? `${syntaxProblem.message}.`}`,
      SYNTAX_FIXES[syntaxProblem.code] ?? DEFAULT_SYNTAX_FIX,
    );
  }
  refuseIllFormedText(doc, report);
  return validateYamlConfig(doc, report);
}

/**
 * A double-quoted `"\ud800"` parses to a lone surrogate, which no database stores as sent: two such names collide
 * once stored, and the next start-up's sync fails on the unique index. `"\0"` (NUL) fails on PostgreSQL. Refused here
 * like the REST API refuses them.
 */
function refuseIllFormedText(doc: Document.Parsed, report: YamlProblemReporter): void {
  visit(doc, {
    Scalar(_key, node) {
      const problem = isScalar(node) && typeof node.value === 'string' ? unstorableText(node.value) : null;
      if (problem !== null) {
        report.fail(
          node,
          [],
          `This text ${problem}.`,
          'write the character itself, or escape a character outside the BMP as a pair ("\\ud83d\\ude00") or as "\\U0001F600".',
        );
      }
    },
  });
}

/**
 * Reads and validates the YAML file at `path` (relative to the working directory). A missing or unreadable file is
 * `CONFIG_INVALID` too, saying where it was looked for and how to provide one.
 */
export function loadYamlConfig(path: string): YamlConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error: unknown) {
    // fs errors may come from another realm (jest, vm), so `instanceof Error` is not a reliable test here.
    const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown error';
    const message =
      code === 'ENOENT'
        ? `The config file ${path} was not found (looked at ${resolve(path)}). Create it from the example ` +
          'llm_mgr_cfg.yaml shipped with llm-mgr (node_modules/llm-mgr/llm_mgr_cfg.yaml), or pass `configPath` ' +
          'to LlmManagerModule.forRoot() (env LLM_MGR_CONFIG).'
        : `The config file ${path} cannot be read (${code}). Check that it is a readable file, or pass another ` +
          '`configPath` to LlmManagerModule.forRoot() (env LLM_MGR_CONFIG).';
    throw new LlmManagerError('CONFIG_INVALID', message, { cause: error, details: { file: path } });
  }
  return parseYamlConfig(text, path);
}
