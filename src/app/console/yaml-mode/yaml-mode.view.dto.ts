import { YamlWarningDto } from '../../../llm-manager/yaml-sync/dto/yaml-warning.dto';
import { ApiProperty } from '@nestjs/swagger';
import type { YamlKeySource, YamlModeView, YamlModelView, YamlPlatformView, YamlUsageView } from './yaml-mode.types';

export class YamlModelViewDto implements YamlModelView {
  @ApiProperty({ example: 'DeepSeek-R1' }) displayName!: string;
  @ApiProperty({ example: 'deepseek-reasoner' }) modelName!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true, example: { thinking: { type: 'enabled' } } })
  extraBody!: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: Number, example: 0.28, description: 'input_price, USD per 1M tokens.' }) inputPrice!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 0.028, description: 'cached_input_price, USD per 1M tokens; null = input price.' })
  cachedInputPrice!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 0.42, description: 'output_price, USD per 1M tokens.' }) outputPrice!: number | null;
}

export class YamlPlatformViewDto implements YamlPlatformView {
  @ApiProperty({ example: 'DeepSeek' }) name!: string;
  @ApiProperty({ example: 'https://api.deepseek.com/v1' }) baseUrl!: string;
  @ApiProperty({ example: true }) isDefault!: boolean;
  @ApiProperty({ enum: ['encrypted', 'plain', 'env', 'none'], example: 'env' }) keySource!: YamlKeySource;
  @ApiProperty({ nullable: true, type: String, example: 'DEEPSEEK_API_KEY' }) apiKeyEnv!: string | null;
  @ApiProperty({ nullable: true, type: String, example: 'sk-…abcd' }) maskedKey!: string | null;
  @ApiProperty({ nullable: true, type: String, example: null }) keyProblem!: string | null;
  @ApiProperty({ type: [YamlModelViewDto] }) models!: YamlModelViewDto[];
}

export class YamlUsageViewDto implements YamlUsageView {
  @ApiProperty({ example: 'main' }) usageKey!: string;
  @ApiProperty({ example: 'DeepSeek' }) platform!: string;
  @ApiProperty({ example: 'DeepSeek-V3' }) model!: string;
}

export class YamlModeViewDto implements YamlModeView {
  @ApiProperty({ example: '/srv/llm-mgr/llm_mgr_cfg.yaml' }) path!: string;
  @ApiProperty({ type: [YamlPlatformViewDto] }) platforms!: YamlPlatformViewDto[];
  @ApiProperty({ type: [YamlUsageViewDto] }) usages!: YamlUsageViewDto[];
  @ApiProperty({ type: [String], example: [] }) warnings!: string[];
  @ApiProperty({ type: [YamlWarningDto], description: 'The same warnings with their codes and details.' }) warningDetails!: YamlWarningDto[];
  @ApiProperty({ type: [String], example: [] }) removedUsages!: string[];
}
