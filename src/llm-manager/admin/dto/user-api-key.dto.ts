import { ApiProperty } from '@nestjs/swagger';
import { IsInt, IsNotEmpty, IsString, Max, MaxLength, Min } from 'class-validator';
import { API_KEY_MAX_LENGTH } from './platform-create.dto';
import { MAX_ID } from './user-route-id.pipe';

/** `POST /api/ai/user/api-key`: the caller's own key for a system platform. */
export class SetUserApiKeyDto {
  @ApiProperty({ description: 'Id of a system platform (GET /api/ai/user/platforms, isSystem: true).', example: 1, minimum: 1 })
  @IsInt()
  @Min(1)
  @Max(MAX_ID)
  platformId!: number;

  @ApiProperty({
    description: 'Plaintext API key; stored encrypted, only ever returned masked.',
    example: 'sk-your-api-key-here',
    maxLength: API_KEY_MAX_LENGTH,
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(API_KEY_MAX_LENGTH)
  apiKey!: string;
}
