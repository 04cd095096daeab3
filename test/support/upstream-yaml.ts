/** Env var holding the system key of the fake platform in the YAML below. */
export const SYSTEM_KEY_ENV = 'FAKE_SYSTEM_KEY';
export const SYSTEM_KEY = 'sk-system-key-for-fake-upstream-0001';

/**
 * A YAML whose system platforms all point at one fake upstream: `Fake` (system key from the environment) with the
 * models tests need, and `Spare` (keyless) as a fallback target.
 */
export function upstreamYaml(url: string): string {
  return `
platforms:
  Fake:
    base_url: ${url}
    api_key: '{${SYSTEM_KEY_ENV}}'
    models:
      chat: fake-chat
      thinking:
        model_name: fake-reasoning
        extra_body: { enable_thinking: true, thinking_budget: 256 }
      broken: fake-error-500
      cut: fake-disconnect-2
      slow: fake-drip-40
      cumulative: fake-cumulative-usage
      silent: fake-no-usage
  Spare:
    base_url: ${url}
    models:
      spare-chat: fake-chat
usages:
  main:   { platform: Fake, model: chat }
  fast:   { platform: Fake, model: chat }
  reason: { platform: Fake, model: thinking }
`;
}
