import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsNotEmpty, IsOptional, IsString, IsUrl, MaxLength, ValidateIf, ValidateNested } from 'class-validator';
import { BASE_URL_MAX_LENGTH, NAME_MAX_LENGTH } from '../../common/input-rules';
import type { PlatformInput } from '../platform.types';
import { CreateModelDto } from './model-create.dto';

export const API_KEY_MAX_LENGTH = 500;
export const MODELS_PER_REQUEST_MAX = 200;

/**
 * An OpenAI-compatible platform to create, with its models. Users send this as is; the admin side extends it with
 * `apiKeyEnv` (an environment variable name is the server operator's business, so users cannot send one).
 */
export class CreatePlatformDto implements PlatformInput {
  @ApiProperty({ description: "Display name, unique among its owner's platforms.", example: 'DeepSeek', maxLength: NAME_MAX_LENGTH })
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX_LENGTH)
  name!: string;

  @ApiProperty({
    description: 'API root of an OpenAI-compatible endpoint (http or https), usually ending in /v1.',
    example: 'https://api.deepseek.com/v1',
    maxLength: BASE_URL_MAX_LENGTH,
  })
  @IsString()
  @MaxLength(BASE_URL_MAX_LENGTH)
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  baseUrl!: string;

  @ApiPropertyOptional({
    description:
      'Plaintext API key, stored encrypted and only ever returned masked. On update: the masked value keeps the ' +
      'stored key, null or "" clears it.',
    example: 'sk-your-api-key-here',
    maxLength: API_KEY_MAX_LENGTH,
    nullable: true,
  })
  @IsOptional()
  @IsString()
  @MaxLength(API_KEY_MAX_LENGTH)
  apiKey?: string | null;

  @ApiPropertyOptional({
    description: 'Models to create with the platform, in order.',
    type: [CreateModelDto],
    example: [
      { displayName: 'DeepSeek-V3', modelName: 'deepseek-chat' },
      { displayName: 'DeepSeek-R1', modelName: 'deepseek-reasoner', extraBody: { thinking: { type: 'enabled' } } },
    ],
  })
  // Omitted means none; null is not a list (IsOptional would let it through to the service).
  @ValidateIf((_object: object, value: unknown) => value !== undefined)
  @IsArray()
  @ArrayMaxSize(MODELS_PER_REQUEST_MAX)
  @ValidateNested({ each: true })
  @Type(() => CreateModelDto)
  models?: CreateModelDto[];
}
