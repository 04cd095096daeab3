import { ApiProperty } from '@nestjs/swagger';
import type { ApiTokenView, IssuedApiToken } from '../api-token.types';

/** A token as every read returns it: never the token, never its hash. */
export class ApiTokenViewDto implements ApiTokenView {
  @ApiProperty({ description: 'Token id, used to revoke it.', example: 7 })
  id!: number;

  @ApiProperty({ description: 'The user the token acts as.', example: 'alice' })
  userId!: string;

  @ApiProperty({ description: 'Label given by the admin.', example: 'alice laptop' })
  name!: string;

  @ApiProperty({ description: 'First characters of the token, to recognise it.', example: 'llmu_Ab3xY9q' })
  prefix!: string;

  @ApiProperty({ description: 'When it was issued (ISO 8601).', example: '2026-01-03T09:30:00.000Z' })
  createdAt!: string;

  @ApiProperty({
    description: 'Last request made with it (ISO 8601, at most a minute behind), or null when never used.',
    example: '2026-01-03T10:02:00.000Z',
    nullable: true,
    type: String,
  })
  lastUsedAt!: string | null;

  @ApiProperty({ description: 'When it was revoked (ISO 8601), or null while valid.', example: null, nullable: true, type: String })
  revokedAt!: string | null;
  @ApiProperty({ description: 'When it stops working (ISO 8601), or null: never.', example: '2027-01-31T00:00:00.000Z', nullable: true, type: String })
  expiresAt!: string | null;

  @ApiProperty({ description: 'Models the gateway accepts from it, or null: every model.', example: ['main'], nullable: true, type: [String] })
  allowedModels!: string[] | null;

  @ApiProperty({ description: 'IPs and CIDRs the gateway accepts it from, or null: any address.', example: null, nullable: true, type: [String] })
  allowedIps!: string[] | null;
}

/** The answer to issuing a token: the only time the token itself is ever shown. */
export class IssuedApiTokenDto extends ApiTokenViewDto implements IssuedApiToken {
  @ApiProperty({
    description: 'The token. Shown once: store it now, it cannot be read again. Send it as Authorization: Bearer <token>.',
    example: 'llmu_Ab3xY9qW1e8Rk2pZ0sT4uV6wX8yZ0aB1cD3eF5gH7iJ',
  })
  token!: string;
}
