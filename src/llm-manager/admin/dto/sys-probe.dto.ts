import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { registerDecorator, ValidateIf, type ValidationArguments } from 'class-validator';
import type { ResetImpact } from '../../yaml-sync/reset-impact';
import type { SyncMode, SyncReport } from '../../yaml-sync/sync-report';
import { IsApiKey, IsBaseUrl, IsRowId } from './sys-fields';
import { YamlWarningDto } from '../../yaml-sync/dto/yaml-warning.dto';

/** Refuses the field when `other` is present too: the two forms of a request do not mix. */
function IsAbsentWith(other: string): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isAbsentWith',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [other],
      options: { message: (args: ValidationArguments) => `${args.property} must be omitted when ${other} is given` },
      validator: {
        validate: (value: unknown, args: ValidationArguments): boolean =>
          value === undefined || (args.object as Record<string, unknown>)[other] === undefined,
      },
    });
}

/** `POST /api/ai/admin/probe`: either `{ baseUrl, apiKey? }` or `{ platformId }` (its stored URL and key). */
export class SysProbeDto {
  @ApiPropertyOptional({ description: 'Probe a stored system platform with its own URL and key.', example: 1 })
  @ValidateIf((dto: SysProbeDto) => dto.platformId !== undefined || dto.baseUrl === undefined)
  @IsRowId()
  platformId?: number;

  @ApiPropertyOptional({ description: 'API root to probe (required without platformId).', example: 'https://api.deepseek.com/v1' })
  @ValidateIf((dto: SysProbeDto) => dto.platformId === undefined || dto.baseUrl !== undefined)
  @IsAbsentWith('platformId')
  @IsBaseUrl()
  baseUrl?: string;

  @ApiPropertyOptional({ description: 'Key to probe with (only with baseUrl); never stored.', example: 'sk-your-api-key-here', nullable: true })
  @IsAbsentWith('platformId')
  @IsApiKey()
  apiKey?: string | null;
}

/** `POST /api/ai/admin/test-model`. */
export class SysTestModelDto {
  @ApiProperty({ description: 'Id of the system platform.', example: 1 })
  @IsRowId()
  platformId!: number;

  @ApiProperty({ description: 'Id of a model of that platform.', example: 7 })
  @IsRowId()
  modelId!: number;
}

export class SysSyncReportDto implements SyncReport {
  @ApiProperty({ description: 'Which sync ran: always "reset" here.', enum: ['initial', 'incremental', 'reset'], example: 'reset' })
  mode!: SyncMode;

  @ApiProperty({ description: 'Created from the YAML (platforms; models as Platform/Model; usages as usage:key).', example: ['Moonshot', 'Moonshot/kimi-k2'], type: [String] })
  added!: string[];

  @ApiProperty({ description: 'System platforms renamed in the YAML since the last sync, as "Old → New" (their rows kept).', example: [], type: [String] })
  renamed!: string[];

  @ApiProperty({ description: 'Left as they were.', example: [], type: [String] })
  kept!: string[];

  @ApiProperty({ description: 'Overwritten from the YAML.', example: ['DeepSeek', 'DeepSeek/DeepSeek-V3'], type: [String] })
  replaced!: string[];

  @ApiProperty({ description: 'Removed because the YAML no longer has them.', example: ['OldPlatform'], type: [String] })
  removed!: string[];

  @ApiProperty({ description: 'Not brought back (incremental sync only).', example: [], type: [String] })
  skipped!: string[];

  @ApiProperty({ description: 'Warnings about the YAML, e.g. plaintext keys.', example: ["Platform 'X' has a plaintext api_key; use {ENV_VAR} or ENC:…"], type: [String] })
  warnings!: string[];

  @ApiProperty({ description: 'The same warnings with their codes and details, in the same order.', type: [YamlWarningDto] })
  warningDetails!: YamlWarningDto[];

  @ApiPropertyOptional({
    description: "Users' keys deleted with a removed platform ({ userId, platform }) and slots left unbound ({ userId, usageKey, platform, model }).",
    example: { userKeysRemoved: [{ userId: 'alice', platform: 'OldPlatform' }], userSlotsUnbound: [] },
  })
  impact?: ResetImpact;

  @ApiPropertyOptional({ description: 'True on the preview: nothing was written.', example: true })
  dryRun?: boolean;
}
