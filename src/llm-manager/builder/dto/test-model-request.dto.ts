import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsString, Matches, Max, Min, ValidateBy, ValidateIf, type ValidationArguments } from 'class-validator';
import { MAX_ID } from '../../admin/dto/user-route-id.pipe';
import { USAGE_KEY_PATTERN } from '../../common/input-rules';
import type { ModelTestTarget } from '../model-probe.service';

function sentIds(dto: TestModelRequestDto): boolean {
  return dto.platformId !== undefined || dto.modelId !== undefined;
}

/** `usageKey` and the id pair exclude each other. */
const NotWithIds = ValidateBy({
  name: 'notWithIds',
  validator: {
    validate: (_value: unknown, args?: ValidationArguments): boolean => !sentIds(args?.object as TestModelRequestDto),
    defaultMessage: (): string => 'usageKey must not be sent together with platformId/modelId: send one or the other',
  },
});

/** `POST /api/ai/user/test-model`: either `{ platformId, modelId }` or `{ usageKey }`. */
export class TestModelRequestDto {
  @ApiPropertyOptional({ description: 'Platform of the model to test (with modelId).', example: 1, minimum: 1 })
  @ValidateIf((dto: TestModelRequestDto) => dto.usageKey === undefined)
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  platformId?: number;

  @ApiPropertyOptional({ description: 'Model to test (with platformId).', example: 2, minimum: 1 })
  @ValidateIf((dto: TestModelRequestDto) => dto.usageKey === undefined)
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  modelId?: number;

  @ApiPropertyOptional({
    description: 'Instead of the ids: test what this slot of mine is bound to.',
    example: 'fast',
    pattern: USAGE_KEY_PATTERN.source,
  })
  @ValidateIf((dto: TestModelRequestDto) => dto.usageKey !== undefined || !sentIds(dto))
  @IsString()
  @Matches(USAGE_KEY_PATTERN, { message: 'usageKey must be 1–64 characters of letters, digits, "_", "." or "-", e.g. "fast"' })
  @NotWithIds
  usageKey?: string;

  toTarget(): ModelTestTarget {
    return this.usageKey !== undefined ? { usageKey: this.usageKey } : { platformId: this.platformId!, modelId: this.modelId! };
  }
}
