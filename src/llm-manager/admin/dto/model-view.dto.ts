import { ApiProperty } from '@nestjs/swagger';
import type { ModelView } from '../platform.types';

/** A model as every read returns it. */
export class ModelViewDto implements ModelView {
  @ApiProperty({ description: 'Model id.', example: 12 })
  id!: number;

  @ApiProperty({ description: 'Id of the platform serving it.', example: 3 })
  platformId!: number;

  @ApiProperty({ description: 'Name shown to users.', example: 'DeepSeek-V3' })
  displayName!: string;

  @ApiProperty({ description: 'Model id sent upstream.', example: 'deepseek-chat' })
  modelName!: string;

  @ApiProperty({
    description: 'Merged into every request body of this model.',
    example: { enable_thinking: false },
    type: 'object',
    additionalProperties: true,
    nullable: true,
  })
  extraBody!: Record<string, unknown> | null;

  @ApiProperty({ description: 'USD per 1M input tokens, or null.', example: 0.27, nullable: true, type: Number })
  inputPrice!: number | null;

  @ApiProperty({ description: 'USD per 1M cached input tokens, or null (priced at inputPrice).', example: 0.07, nullable: true, type: Number })
  cachedInputPrice!: number | null;

  @ApiProperty({ description: 'USD per 1M output tokens, or null.', example: 1.1, nullable: true, type: Number })
  outputPrice!: number | null;
}
