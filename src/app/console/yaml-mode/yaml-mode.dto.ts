import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CreateModelDto } from '../../../llm-manager/admin/dto/model-create.dto';
import { IsApiKey, IsBaseUrl, IsEnvVarName } from '../../../llm-manager/admin/dto/sys-fields';
import { NAME_MAX_LENGTH, USAGE_KEY_PATTERN } from '../../../llm-manager/common/input-rules';
import type { YamlKeyMode } from './yaml-mode.types';

/** `POST /api/ai/admin/yaml/platforms`. */
export class CreateYamlPlatformDto {
  @ApiProperty({ description: 'Display name, unique in the file.', example: 'DeepSeek', maxLength: NAME_MAX_LENGTH })
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX_LENGTH)
  name!: string;

  @ApiProperty({ description: 'OpenAI-compatible endpoint.', example: 'https://api.deepseek.com/v1' })
  @IsBaseUrl()
  baseUrl!: string;
}

/** `PUT /api/ai/admin/yaml/platforms/:name`: only the fields sent change. */
export class UpdateYamlPlatformDto {
  @ApiPropertyOptional({ description: 'New display name; system bindings follow it.', example: 'DeepSeek CN' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX_LENGTH)
  name?: string;

  @ApiPropertyOptional({ example: 'https://api.deepseek.com/v1' })
  @IsOptional()
  @IsBaseUrl()
  baseUrl?: string;
}

/** `POST /api/ai/admin/yaml/platforms/:name/api-key`. */
export class SetYamlKeyDto {
  @ApiProperty({
    description: '`encrypted`: ENC:v1: under LLM_KEY (recommended); `env`: an {ENV} placeholder; `plain`: clear text (needs confirmPlaintext); `none`: remove.',
    enum: ['encrypted', 'env', 'plain', 'none'],
    example: 'encrypted',
  })
  @IsIn(['encrypted', 'env', 'plain', 'none'])
  mode!: YamlKeyMode;

  @ApiPropertyOptional({ description: 'The key, for `encrypted` and `plain`.', example: 'sk-your-api-key-here' })
  @IsOptional()
  @IsApiKey()
  apiKey?: string;

  @ApiPropertyOptional({ description: 'Variable name, for `env`.', example: 'DEEPSEEK_API_KEY' })
  @IsOptional()
  @IsEnvVarName()
  apiKeyEnv?: string;

  @ApiPropertyOptional({ description: 'Must be true to write a key in plain text.', example: false })
  @IsOptional()
  @IsBoolean()
  confirmPlaintext?: boolean;
}

/** A model of a YAML platform: display name, model id, optional extra_body. */
export class YamlModelDto extends PickType(CreateModelDto, ['displayName', 'modelName', 'extraBody', 'inputPrice', 'cachedInputPrice', 'outputPrice'] as const) {}

/** `PUT /api/ai/admin/yaml/usages/:usageKey`. */
export class SetYamlUsageDto {
  @ApiProperty({ description: 'Platform display name.', example: 'DeepSeek' })
  @IsString()
  @IsNotEmpty()
  platform!: string;

  @ApiProperty({ description: 'Model display name on that platform.', example: 'DeepSeek-V3' })
  @IsString()
  @IsNotEmpty()
  model!: string;
}

/** A usage key in the path. */
export class YamlUsageKeyParamDto {
  @ApiProperty({ example: 'fast' })
  @Matches(USAGE_KEY_PATTERN, { message: 'usageKey must be 1-64 letters, digits, _ . or -' })
  usageKey!: string;
}

/** `POST /api/ai/admin/yaml/platforms/:name/probe`: the platform's own URL and key unless given here. */
export class YamlProbeDto {
  @ApiPropertyOptional({ example: 'https://api.deepseek.com/v1' })
  @IsOptional()
  @IsBaseUrl()
  baseUrl?: string;

  @ApiPropertyOptional({ description: 'A key to try instead of the one in the file.', example: 'sk-your-api-key-here' })
  @IsOptional()
  @IsApiKey()
  apiKey?: string;
}
