import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, ValidateIf, ValidateNested } from 'class-validator';
import { IsRowId } from '../../admin/dto/sys-fields';
import type { SlotFallback } from '../selection.types';

/** Longer chains only multiply the wait of a caller whose every model is down. */
export const MAX_FALLBACKS = 5;

/** A model of a user's fallback chain (snake_case, as the user routes speak). */
export class UserSlotFallbackDto {
  @ApiProperty({ description: 'Id of a platform visible to the caller.', example: 3 })
  @IsRowId()
  platform_id!: number;

  @ApiProperty({ description: 'Id of a model of that platform.', example: 7 })
  @IsRowId()
  model_id!: number;
}

/** A model of a system binding's fallback chain (camelCase, as the admin routes speak). */
export class SystemSlotFallbackDto {
  @ApiProperty({ description: 'Id of a system platform.', example: 3 })
  @IsRowId()
  platformId!: number;

  @ApiProperty({ description: 'Id of a model of that platform.', example: 7 })
  @IsRowId()
  modelId!: number;
}

/** `fallbacks`: omitted keeps the stored chain, `[]` clears it; null is not a list. */
export function FallbackList(type: typeof UserSlotFallbackDto | typeof SystemSlotFallbackDto): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({
      description:
        `Models tried in order when the bound one answers 429 or 5xx, times out or cannot be reached before its first ` +
        `streamed chunk (at most ${MAX_FALLBACKS}). Omitted keeps the stored chain; [] clears it.`,
      type: [type],
      example: type === SystemSlotFallbackDto ? [{ platformId: 3, modelId: 7 }] : [{ platform_id: 3, model_id: 7 }],
    }),
    ValidateIf((_object: object, value: unknown) => value !== undefined),
    IsArray(),
    ArrayMaxSize(MAX_FALLBACKS),
    ValidateNested({ each: true }),
    Type(() => type),
  );
}

/** The chain of a user DTO, in the service's shape. */
export function userFallbacks(list: UserSlotFallbackDto[] | undefined): SlotFallback[] | undefined {
  return list?.map((entry) => ({ platformId: entry.platform_id, modelId: entry.model_id }));
}

/** The chain of an admin DTO, in the service's shape. */
export function systemFallbacks(list: SystemSlotFallbackDto[] | undefined): SlotFallback[] | undefined {
  return list?.map((entry) => ({ platformId: entry.platformId, modelId: entry.modelId }));
}
