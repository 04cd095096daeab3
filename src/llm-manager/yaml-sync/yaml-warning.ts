/** What a YAML warning is about; the console translates each by its code and details (issue 19). */
export type YamlWarningCode = 'PLAINTEXT_API_KEY' | 'USAGE_TARGET_MISSING' | 'FALLBACK_TARGET_MISSING';

/** A problem of llm_mgr_cfg.yaml that does not stop loading or syncing. Never holds a secret. */
export interface YamlWarning {
  code: YamlWarningCode;
  /** The English sentence, saying what to do. */
  message: string;
  /** What a translation needs: names, the file and line. */
  details: Record<string, string | number>;
}

const KEY_ADVICE =
  "encrypt it in the console or with 'npx llm-mgr encrypt' and paste the ENC:v1:… value, " +
  "or reference an environment variable as '{ENV_VAR}'";

export function plaintextKeyWarning(platform: string, quotedPlatform: string, file: string, line: number): YamlWarning {
  return {
    code: 'PLAINTEXT_API_KEY',
    message: `Platform ${quotedPlatform} in ${file} (line ${line}) has a plain-text api_key: ${KEY_ADVICE}.`,
    details: { platform, file, line },
  };
}

export function usageTargetMissing(usageKey: string, platform: string, model: string): YamlWarning {
  return {
    code: 'USAGE_TARGET_MISSING',
    message:
      `Usage '${usageKey}' points at ${platform}/${model}, which is not in the database ` +
      `(deleted there earlier); bind it in the admin API or console.`,
    details: { usageKey, platform, model },
  };
}

export function fallbackTargetMissing(usageKey: string, platform: string, model: string): YamlWarning {
  return {
    code: 'FALLBACK_TARGET_MISSING',
    message: `A fallback of usage '${usageKey}', ${platform}/${model}, is not in the database; it is left out.`,
    details: { usageKey, platform, model },
  };
}
