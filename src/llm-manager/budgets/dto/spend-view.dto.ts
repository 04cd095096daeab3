import { ApiProperty } from '@nestjs/swagger';

/** What a user spent since a point in time, from the usage ledger. */
export class SpendViewDto {
  @ApiProperty({ example: 'user_123' }) userId!: string;
  @ApiProperty({ description: 'Start of the range; null = all time.', example: '2026-03-01T00:00:00.000Z', nullable: true, type: String })
  since!: string | null;
  @ApiProperty({ description: 'USD, the sum of the costs stored on the usage rows.', example: 1.25 }) spentUsd!: number;
  @ApiProperty({ description: 'Calls whose model had no price.', example: 0 }) unpricedCalls!: number;
}
