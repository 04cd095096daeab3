import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ValidateIf } from 'class-validator';
import { LlmManagerError } from '../../common/llm-manager.error';
import type { ModelPatch } from '../platform.types';
import type { UpdateModelDto } from './model-update.dto';
import { CreatePlatformDto } from './platform-create.dto';
import { UpdatePlatformDto } from './platform-update.dto';
import { IsApiKey, IsEnvVarName, IsRowId, IsRowIdText } from './sys-fields';

const API_KEY_ENV_DOC = {
  description:
    'Environment variable holding the key instead, read on the server (the YAML\'s `{DEEPSEEK_API_KEY}`); null removes it. ' +
    'It must match LLM_MGR_KEY_ENV_ALLOW (default: names ending in _KEY or _TOKEN) and is never one of llm-mgr\'s own ' +
    'secrets (LLM_KEY, LLM_MGR_ADMIN_TOKEN, LLM_MGR_DATABASE_URL).',
  example: 'DEEPSEEK_API_KEY',
  nullable: true,
  type: String,
} as const;

/** `POST /api/ai/admin/sys-platform`: a user's platform form plus `apiKeyEnv`, which only the operator may name. */
export class CreateSysPlatformDto extends CreatePlatformDto {
  @ApiPropertyOptional(API_KEY_ENV_DOC)
  @IsEnvVarName()
  apiKeyEnv?: string | null;
}

/** `PUT /api/ai/admin/sys-platform`: the seed sends the id in the body; only the other fields sent change. */
export class UpdateSysPlatformDto extends UpdatePlatformDto {
  @ApiProperty({ description: 'Id of the system platform.', example: 1 })
  @IsRowId()
  id!: number;

  @ApiPropertyOptional(API_KEY_ENV_DOC)
  @IsEnvVarName()
  apiKeyEnv?: string | null;
}

/** `DELETE /api/ai/admin/sys-platform` body form: `{ "id": 3 }`. */
export class DeleteSysPlatformBodyDto {
  @ApiPropertyOptional({ description: 'Id of the system platform (or pass ?id=).', example: 3 })
  @ValidateIf((_object: object, value: unknown) => value !== undefined)
  @IsRowId()
  id?: number;
}

/** `DELETE /api/ai/admin/sys-platform?id=3`. */
export class DeleteSysPlatformQueryDto {
  @ApiPropertyOptional({ description: 'Id of the system platform (or send { "id": … } as the JSON body).', example: 3 })
  @ValidateIf((_object: object, value: unknown) => value !== undefined)
  @IsRowIdText()
  id?: number;
}

/** The platform a DELETE names: the seed sends `{ id }` as the body; `?id=` suits clients that cannot send one. */
export function deleteTarget(body: DeleteSysPlatformBodyDto, query: DeleteSysPlatformQueryDto): number {
  if (body.id !== undefined && query.id !== undefined && body.id !== query.id) {
    throw new LlmManagerError('VALIDATION_FAILED', `id: the body names platform ${body.id} but the query names ${query.id}; send one.`, {
      details: { field: 'id' },
    });
  }
  const id = body.id ?? query.id;
  if (id === undefined) {
    throw new LlmManagerError('VALIDATION_FAILED', 'id: send the platform id as the JSON body {"id": 3} or as ?id=3.', {
      details: { field: 'id' },
    });
  }
  return id;
}

/** `POST /api/ai/admin/sys-platform/api-key`. */
export class SetSysApiKeyDto {
  @ApiProperty({ description: 'Id of the system platform.', example: 1 })
  @IsRowId()
  platformId!: number;

  @ApiProperty({ description: 'The key in plaintext, stored encrypted; null or "" removes it.', example: 'sk-your-api-key-here', nullable: true, type: String })
  @IsApiKey({ required: true })
  apiKey!: string | null;
}

/** A numeric id in the path, e.g. `/sys-platform/3/default`. */
export class SysIdParamDto {
  @ApiProperty({ description: 'Row id.', example: 3 })
  @IsRowIdText()
  id!: number;
}

/**
 * The fields of a model patch that were sent. DTO instances may carry declared fields as explicit `undefined`
 * (ES2022 class fields), which would overwrite stored values when the service spreads the patch.
 */
export function toModelPatch(dto: UpdateModelDto): ModelPatch {
  const patch: ModelPatch = {};
  if (dto.displayName !== undefined) patch.displayName = dto.displayName;
  if (dto.modelName !== undefined) patch.modelName = dto.modelName;
  if (dto.extraBody !== undefined) patch.extraBody = dto.extraBody;
  if (dto.inputPrice !== undefined) patch.inputPrice = dto.inputPrice;
  if (dto.cachedInputPrice !== undefined) patch.cachedInputPrice = dto.cachedInputPrice;
  if (dto.outputPrice !== undefined) patch.outputPrice = dto.outputPrice;
  return patch;
}
