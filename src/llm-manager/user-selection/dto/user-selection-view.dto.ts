import { ApiProperty } from '@nestjs/swagger';
import type { SlotFallbackView, SlotView, UserSelectionView } from '../selection.types';

/** One model of a slot's fallback chain. */
export class SlotFallbackViewDto implements SlotFallbackView {
  @ApiProperty({ description: 'Platform id.', example: 3 })
  platform_id!: number;

  @ApiProperty({ description: 'Its display name; null when it no longer exists.', example: 'Qwen', nullable: true, type: String })
  platform_name!: string | null;

  @ApiProperty({ description: 'Model id.', example: 7 })
  model_id!: number;

  @ApiProperty({ description: 'Display name of the model; null when it no longer exists.', example: 'qwen-flash', nullable: true, type: String })
  model_display_name!: string | null;
}

/** One usage slot and what it is bound to (snake_case, as in the seed). */
export class SlotViewDto implements SlotView {
  @ApiProperty({ description: 'Slot name.', example: 'fast' })
  usage_key!: string;

  @ApiProperty({ description: 'Bound platform id, or null when nothing usable exists.', example: 1, nullable: true, type: Number })
  platform_id!: number | null;

  @ApiProperty({ description: 'Its display name.', example: 'DeepSeek', nullable: true, type: String })
  platform_name!: string | null;

  @ApiProperty({ description: 'Bound model id.', example: 2, nullable: true, type: Number })
  model_id!: number | null;

  @ApiProperty({ description: 'Display name of the model.', example: 'DeepSeek-V3', nullable: true, type: String })
  model_display_name!: string | null;

  @ApiProperty({ description: 'Model id sent upstream.', example: 'deepseek-chat', nullable: true, type: String })
  model_name!: string | null;

  @ApiProperty({ description: 'True when the platform is a system platform.', example: true })
  is_system_platform!: boolean;

  @ApiProperty({
    description:
      "Until when calls skip this slot's model after repeated failures of the key they use (429, 5xx, timeout, " +
      'unreachable), going to its fallbacks; null when they do not.',
    example: null,
    nullable: true,
    type: String,
  })
  cooling_until!: string | null;

  @ApiProperty({ description: 'Models tried in order when this one fails before answering; empty: none.', type: [SlotFallbackViewDto] })
  fallbacks!: SlotFallbackViewDto[];
}

/** The asked slot plus `usage_selections`, every slot of the caller. */
export class UserSelectionViewDto extends SlotViewDto implements UserSelectionView {
  @ApiProperty({ description: 'The caller.', example: 'user-42' })
  user_id!: string;

  @ApiProperty({ description: "All of the caller's slots.", type: [SlotViewDto] })
  usage_selections!: SlotViewDto[];
}

const SLOT = { platform_id: 1, platform_name: 'DeepSeek', is_system_platform: true, cooling_until: null, fallbacks: [] };

/** Swagger example of a `UserSelectionViewDto`. */
export const USER_SELECTION_EXAMPLE: UserSelectionView = {
  user_id: 'user-42',
  usage_key: 'fast',
  ...SLOT,
  model_id: 2,
  model_display_name: 'DeepSeek-V3',
  model_name: 'deepseek-chat',
  usage_selections: [
    { usage_key: 'main', ...SLOT, model_id: 2, model_display_name: 'DeepSeek-V3', model_name: 'deepseek-chat' },
    { usage_key: 'fast', ...SLOT, model_id: 2, model_display_name: 'DeepSeek-V3', model_name: 'deepseek-chat' },
    { usage_key: 'reason', ...SLOT, model_id: 3, model_display_name: 'DeepSeek-R1', model_name: 'deepseek-reasoner' },
  ],
};
