import { ApiProperty } from '@nestjs/swagger';
import type { UserPlatformKeyView } from '../user-platform.service';

/** The caller's own key for a system platform, masked. */
export class UserApiKeyViewDto implements UserPlatformKeyView {
  @ApiProperty({ description: 'Id of the system platform.', example: 1 })
  platformId!: number;

  @ApiProperty({ description: 'Its display name.', example: 'DeepSeek' })
  platformName!: string;

  @ApiProperty({ description: 'The key, masked.', example: 'sk-…cdef', nullable: true, type: String })
  maskedKey!: string | null;

  @ApiProperty({ description: 'When the key was last set.', example: '2026-01-31T08:00:00.000Z' })
  updatedAt!: Date;
}
