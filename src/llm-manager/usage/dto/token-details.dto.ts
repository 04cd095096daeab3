import { ApiProperty } from '@nestjs/swagger';
import type { EstimateDrift, TokenDetails } from '../usage-query.types';

/** How far the estimate was from the provider's count (issue 15). */
export class EstimateDriftDto implements EstimateDrift {
  @ApiProperty({ description: 'Rows that hold both the estimate and the provider-reported count.', example: 40 })
  rows!: number;

  @ApiProperty({ description: 'Estimated prompt tokens of those rows.', example: 6200 })
  estimated_prompt_tokens!: number;

  @ApiProperty({ description: 'Provider-reported prompt tokens of those rows.', example: 6000 })
  reported_prompt_tokens!: number;

  @ApiProperty({ description: 'Estimated completion tokens of those rows.', example: 2900 })
  estimated_completion_tokens!: number;

  @ApiProperty({ description: 'Provider-reported completion tokens of those rows.', example: 3000 })
  reported_completion_tokens!: number;

  @ApiProperty({
    description: '(estimated − reported) / reported × 100, one decimal; positive when the estimate said more. Null without a reported count.',
    example: 3.3,
    nullable: true,
    type: Number,
  })
  prompt_drift_pct!: number | null;

  @ApiProperty({ description: 'The same for completion tokens.', example: -3.3, nullable: true, type: Number })
  completion_drift_pct!: number | null;
}

/** Cached and reasoning tokens and the estimate's drift, beside the seed's totals in every statistic. */
export class TokenDetailsDto implements TokenDetails {
  @ApiProperty({ description: 'Prompt tokens the provider read from its cache, as it reported them.', example: 3200 })
  cached_prompt_tokens!: number;

  @ApiProperty({ description: 'Reasoning tokens, part of completion_tokens.', example: 900 })
  reasoning_tokens!: number;

  @ApiProperty({ description: 'How far the local estimate was from the provider-reported count.', type: EstimateDriftDto })
  estimate_drift!: EstimateDriftDto;

  @ApiProperty({
    description:
      'Cost in USD: the sum of the costs stored when each call was recorded, with the price then in force ' +
      '(cached tokens at the cached input price, reasoning tokens as output). Unpriced calls add nothing.',
    example: 0.01234,
  })
  cost!: number;

  @ApiProperty({ description: 'Calls with no cost: their model had no input and output price when they were recorded.', example: 2 })
  unpriced_calls!: number;
}

export const TOKEN_DETAILS_EXAMPLE: TokenDetails = {
  cached_prompt_tokens: 3200,
  reasoning_tokens: 900,
  estimate_drift: {
    rows: 40,
    estimated_prompt_tokens: 6200,
    reported_prompt_tokens: 6000,
    estimated_completion_tokens: 2900,
    reported_completion_tokens: 3000,
    prompt_drift_pct: 3.3,
    completion_drift_pct: -3.3,
  },
  cost: 0.01234,
  unpriced_calls: 2,
};
