/** A usage slot as the API shows it (snake_case, like the seed's `usage_selections`). */
export interface SlotView {
  usage_key: string;
  platform_id: number | null;
  platform_name: string | null;
  model_id: number | null;
  /** The display name (`DeepSeek-V3`). */
  model_display_name: string | null;
  /** The id sent upstream (`deepseek-chat`). */
  model_name: string | null;
  is_system_platform: boolean;
}

/** `getUserSelection()`: the asked slot plus all of the user's slots. */
export interface UserSelectionView extends SlotView {
  user_id: string;
  usage_selections: SlotView[];
}

/** What a slot is bound to. */
export interface SlotBinding {
  platformId: number;
  modelId: number;
}
