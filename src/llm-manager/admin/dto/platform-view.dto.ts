import { ApiProperty } from '@nestjs/swagger';
import type { KeySource, PlatformTestView, PlatformView } from '../platform.types';
import { ModelViewDto } from './model-view.dto';

/** The last model test of a platform. */
export class PlatformTestViewDto implements PlatformTestView {
  @ApiProperty({ description: 'When the test ran (ISO 8601, UTC).', example: '2026-01-20T08:30:00.000Z' })
  at!: string;

  @ApiProperty({ description: 'True when the model answered.', example: false })
  ok!: boolean;

  @ApiProperty({
    description: 'Latency on success, else the upstream error, short and with any key masked.',
    example: 'HTTP 401: Incorrect API key provided: sk-…cdef',
    nullable: true,
    type: String,
  })
  detail!: string | null;
}

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
    description: 'False when an administrator disabled the platform: getUserLlm and self-repair skip it, GET /v1/models omits it.',
    example: true,
  })
  enabled!: boolean;

  @ApiProperty({ description: 'The last model test of the platform, or null.', type: PlatformTestViewDto, nullable: true })
  lastTest!: PlatformTestViewDto | null;

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
