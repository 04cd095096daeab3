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
  /** Issue 18: until when calls of this slot skip its model (the key they use cools down), ISO; null: they do not. */
  cooling_until: string | null;
  /** The models tried in order when this one fails before answering (issue 18); empty: none. */
  fallbacks: SlotFallbackView[];
}

/** One model of a slot's fallback chain, as the API shows it. */
export interface SlotFallbackView {
  platform_id: number;
  platform_name: string | null;
  model_id: number;
  model_display_name: string | null;
}

/** `getUserSelection()`: the asked slot plus all of the user's slots. */
export interface UserSelectionView extends SlotView {
  user_id: string;
  usage_selections: SlotView[];
}

/** One model of a fallback chain. */
export interface SlotFallback {
  platformId: number;
  modelId: number;
}

/** What a slot is bound to; `fallbacks` omitted keeps the stored chain, `[]` clears it. */
export interface SlotBinding {
  platformId: number;
  modelId: number;
  fallbacks?: SlotFallback[];
}
