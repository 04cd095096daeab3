import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsNumber, IsObject, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { MODEL_NAME_MAX_LENGTH, NAME_MAX_LENGTH } from '../../common/input-rules';
import type { ModelInput } from '../platform.types';

/** A model to add to a platform (user or system). Prices are optional (USD per 1M tokens). */
export class CreateModelDto implements ModelInput {
  @ApiProperty({ description: 'Name shown to users; unique within its platform.', example: 'DeepSeek-V3', maxLength: NAME_MAX_LENGTH })
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX_LENGTH)
  displayName!: string;

  @ApiProperty({
    description: 'Model id sent upstream, as the platform lists it.',
    example: 'deepseek-chat',
    maxLength: MODEL_NAME_MAX_LENGTH,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MODEL_NAME_MAX_LENGTH)
  modelName!: string;

  @ApiPropertyOptional({
    description: 'JSON object merged into every request body of this model (M13); null for none.',
    example: { enable_thinking: false },
    type: 'object',
    additionalProperties: true,
    nullable: true,
  })
  @IsOptional()
  @IsObject()
  extraBody?: Record<string, unknown> | null;

  @ApiPropertyOptional({ description: 'Input price in USD per 1M tokens; null when unknown.', example: 0.27, minimum: 0, nullable: true })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  inputPrice?: number | null;

  @ApiPropertyOptional({
    description: 'Price of cached input (prompt tokens the provider read from its cache) in USD per 1M tokens; null = priced at inputPrice.',
    example: 0.07,
    minimum: 0,
    nullable: true,
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  cachedInputPrice?: number | null;

  @ApiPropertyOptional({ description: 'Output price in USD per 1M tokens; null when unknown.', example: 1.1, minimum: 0, nullable: true })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  outputPrice?: number | null;
}
