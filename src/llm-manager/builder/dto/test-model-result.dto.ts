import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ModelTestResult } from '../model-probe.service';

/** Whether one tiny chat request succeeded, and how long it took. */
export class TestModelResultDto implements ModelTestResult {
  @ApiProperty({ description: 'True when the model answered.', example: true })
  ok!: boolean;

  @ApiProperty({ description: 'Time to the full answer (or the failure), in ms.', example: 412 })
  latencyMs!: number;

  @ApiPropertyOptional({ description: 'Display name of the platform that answered.', example: 'DeepSeek' })
  platform?: string;

  @ApiPropertyOptional({ description: 'Display name of the model that answered.', example: 'DeepSeek-V3' })
  model?: string;

  @ApiPropertyOptional({ description: "The upstream's error message, keys masked.", example: '401 Incorrect API key provided: sk-…abcd' })
  error?: string;

  @ApiPropertyOptional({ description: "The upstream's HTTP status, when it answered with an error.", example: 401 })
  status?: number;
}
