import { LlmManagerError } from '../../llm-manager/common/llm-manager.error';
import { maskSecretsInText } from '../../llm-manager/security/mask-secret';
import { flag } from '../cli-args';
import { ExitCode } from '../cli-exit';
import { err, out } from '../cli-io';
import type { CliCommand } from './command';

/** `llm-mgr test <platform> <model>`: one tiny request to a system model. */
export const testCommand: CliCommand = {
  name: 'test',
  summary: 'Send one tiny request to a system model; print its latency or the upstream error.',
  usage: 'test <platform> <model> [--json]',
  description: [
    'Sends "Reply with the single word OK." to the system model <model> of the system platform <platform> (the ' +
      'display names of llm_mgr_cfg.yaml, as stored in the database) with the system key, once, without retries. ' +
      'Prints the latency, or the error the upstream answered with. The request is recorded in the usage log as ' +
      'agent llm-mgr:test.',
  ],
  options: { json: { type: 'boolean', description: 'Print the result as JSON: { ok, latencyMs, platform?, model?, error?, status? }.' } },
  positionals: [
    { name: 'platform', required: true, description: 'Display name of a system platform, e.g. DeepSeek' },
    { name: 'model', required: true, description: 'Display name of one of its models, e.g. DeepSeek-V3' },
  ],
  exitCodes: {
    [ExitCode.Ok]: 'the model answered',
    [ExitCode.Failure]: 'the upstream answered with an error, timed out or is unreachable; the database is unreachable',
    [ExitCode.Usage]: 'no such system platform or model',
    [ExitCode.Config]: 'LLM_KEY missing or wrong, or the platform has no key (e.g. its {ENV_VAR} is not set)',
  },
  async run(ctx, args) {
    const [platformName, modelName] = args.positionals;
    const { withManager } = await import('../support/headless-manager');
    const { LlmManagerService } = await import('../../llm-manager/llm-manager.service');
    const result = await withManager(ctx, {}, async (app) => {
      const manager = app.get(LlmManagerService, { strict: false });
      const platforms = await manager.system.list();
      const platform = platforms.find((candidate) => candidate.name === platformName);
      if (!platform) {
        throw new LlmManagerError(
          'PLATFORM_NOT_FOUND',
          `No system platform '${platformName}'. System platforms: ${platforms.map((p) => p.name).join(', ') || '(none)'}.`,
        );
      }
      const model = platform.models.find((candidate) => candidate.displayName === modelName);
      if (!model) {
        throw new LlmManagerError(
          'MODEL_NOT_FOUND',
          `No model '${modelName}' on platform '${platformName}'. Its models: ` +
            `${platform.models.map((m) => m.displayName).join(', ') || '(none)'}.`,
        );
      }
      // A keyless platform is "not usable" until it has answered: testing it is how it gets there.
      if (!platform.usable && platform.keySource !== 'none') {
        const reason = platform.unusableReason ?? 'no key';
        throw new LlmManagerError('API_KEY_MISSING', `Platform '${platformName}' cannot be used: ${reason}.`);
      }
      if (platform.apiKeyEnv && ctx.env[platform.apiKeyEnv]) ctx.secrets.push(ctx.env[platform.apiKeyEnv] ?? '');
      const outcome = await manager.testModel(undefined, { platformId: platform.id, modelId: model.id });
      return { ...outcome, label: `${platformName} / ${modelName} (${model.modelName})` };
    });
    const error = result.error === undefined ? undefined : maskSecretsInText(result.error, ctx.secrets);
    if (flag(args, 'json')) {
      const { label: _label, ...body } = result;
      out(ctx.io, JSON.stringify(error === undefined ? body : { ...body, error }));
    } else if (result.ok) {
      out(ctx.io, `OK  ${result.label} answered in ${result.latencyMs} ms.`);
    }
    if (result.ok) return ExitCode.Ok;
    const status = result.status === undefined ? '' : `HTTP ${result.status}: `;
    err(ctx.io, `error: ${result.label} failed after ${result.latencyMs} ms: ${status}${error ?? 'unknown error'}`);
    return ExitCode.Failure;
  },
};
