import { ApiProperty } from '@nestjs/swagger';
import type { YamlWarning, YamlWarningCode } from '../yaml-warning';

/** A warning about llm_mgr_cfg.yaml with its code, for a translation by code and details. */
export class YamlWarningDto implements YamlWarning {
  @ApiProperty({
    description: 'What the warning is about.',
    enum: ['PLAINTEXT_API_KEY', 'USAGE_TARGET_MISSING', 'FALLBACK_TARGET_MISSING'],
    example: 'PLAINTEXT_API_KEY',
  })
  code!: YamlWarningCode;

  @ApiProperty({
    description: 'The English sentence, saying what to do.',
    example: "Platform 'DeepSeek' in llm_mgr_cfg.yaml (line 4) has a plain-text api_key: encrypt it …",
  })
  message!: string;

  @ApiProperty({
    description: 'Names, file and line the message is built from (PLAINTEXT_API_KEY: platform, file, line; the others: usageKey, platform, model).',
    example: { platform: 'DeepSeek', file: 'llm_mgr_cfg.yaml', line: 4 },
  })
  details!: Record<string, string | number>;
}
