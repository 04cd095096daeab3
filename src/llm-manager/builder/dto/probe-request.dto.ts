import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUrl, MaxLength } from 'class-validator';
import { API_KEY_MAX_LENGTH } from '../../admin/dto/platform-create.dto';
import { BASE_URL_MAX_LENGTH } from '../../common/input-rules';

/** `POST /api/ai/user/probe`: which models does this endpoint serve? Nothing is stored. */
export class ProbeRequestDto {
  @ApiProperty({
    description: 'API root of an OpenAI-compatible endpoint; a missing /v1 is tried too.',
    example: 'https://api.deepseek.com/v1',
    maxLength: BASE_URL_MAX_LENGTH,
  })
  @IsString()
  @MaxLength(BASE_URL_MAX_LENGTH)
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  baseUrl!: string;

  @ApiPropertyOptional({
    description: 'Key sent as Bearer token; omit for keyless endpoints. Never stored or echoed.',
    example: 'sk-your-api-key-here',
    maxLength: API_KEY_MAX_LENGTH,
  })
  @IsOptional()
  @IsString()
  @MaxLength(API_KEY_MAX_LENGTH)
  apiKey?: string;
}
