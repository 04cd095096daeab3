import { ApiProperty } from '@nestjs/swagger';
import type { KeySource, PlatformView } from '../platform.types';
import { ModelViewDto } from './model-view.dto';

/** A platform as every read returns it: the key only ever masked. */
export class PlatformViewDto implements PlatformView {
  @ApiProperty({ description: 'Platform id.', example: 3 })
  id!: number;

  @ApiProperty({ description: 'Display name.', example: 'DeepSeek' })
  name!: string;

  @ApiProperty({ description: 'API root of the OpenAI-compatible endpoint.', example: 'https://api.deepseek.com/v1' })
  baseUrl!: string;

  @ApiProperty({ description: 'True for system platforms (YAML / admin), false for private ones.', example: false })
  isSystem!: boolean;

  @ApiProperty({ description: "True for the first of its owner's platforms.", example: true })
  isDefault!: boolean;

  @ApiProperty({ description: "Position among its owner's platforms.", example: 0 })
  sortOrder!: number;

  @ApiProperty({ description: 'Where the key comes from.', enum: ['encrypted', 'env', 'none'], example: 'encrypted' })
  keySource!: KeySource;

  @ApiProperty({
    description: 'Environment variable holding the key (system platforms only).',
    example: null,
    nullable: true,
    type: String,
  })
  apiKeyEnv!: string | null;

  @ApiProperty({ description: 'The key, masked; null when there is none.', example: 'sk-…cdef', nullable: true, type: String })
  maskedKey!: string | null;

  @ApiProperty({ description: 'False when a key is expected but cannot be found.', example: true })
  usable!: boolean;

  @ApiProperty({ description: 'Why the platform is unusable, or null.', example: null, nullable: true, type: String })
  unusableReason!: string | null;

  @ApiProperty({
    description:
      'Until when calls with this key are skipped after repeated failures (429, 5xx, timeout, unreachable), shared by ' +
      'every instance; null when they are not. A slot falls back past it; a slot with nothing else still calls it.',
    example: null,
    nullable: true,
    type: String,
  })
  coolingUntil!: string | null;

  @ApiProperty({ description: 'Its models, in order.', type: [ModelViewDto] })
  models!: ModelViewDto[];
}
