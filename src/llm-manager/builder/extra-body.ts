import { reservedExtraBodyFix, reservedExtraBodyKeys } from '../common/input-rules';
import { LlmManagerError } from '../common/llm-manager.error';
import type { ModelEntity } from '../database/model.entity';
import type { PlatformEntity } from '../database/platform.entity';

/**
 * A model's `extra_body` (M13) as it goes into every request, or a `CONFIG_INVALID` before any request leaves when it
 * sets a reserved field: a row stored before the rule (or written by a host itself) is refused here too, never sent.
 */
export function requestExtraBody(platform: PlatformEntity, model: ModelEntity): Record<string, unknown> | undefined {
  if (!model.extraBody) return undefined;
  const reserved = reservedExtraBodyKeys(model.extraBody);
  if (reserved.length === 0) return model.extraBody;
  throw new LlmManagerError(
    'CONFIG_INVALID',
    `Model '${model.displayName}' of platform '${platform.name}' has an extra_body that sets ${reserved.join(', ')}. ` +
      `Fix: ${reservedExtraBodyFix(reserved)} Edit the model (PATCH its route, the console or the YAML).`,
    { details: { platformId: platform.id, modelId: model.id, reserved } },
  );
}
