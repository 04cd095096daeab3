import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsISO8601, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { NAME_MAX_LENGTH } from '../../common/input-rules';
import { MAX_LISTED, type ApiTokenControls } from '../token-controls';

/** An optional list of 1–MAX_LISTED strings; each entry is checked by the service (readTokenControls). */
function OptionalStringList(): PropertyDecorator {
  return applyDecorators(IsOptional(), IsArray(), ArrayNotEmpty(), ArrayMaxSize(MAX_LISTED), IsString({ each: true }));
}

/** Who the new token acts as, what to call it, and what restricts it. */
export class IssueApiTokenDto implements ApiTokenControls {
  @ApiProperty({ description: 'The user the token acts as (your application\'s user id; not "-1").', example: 'alice', maxLength: 64 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  userId!: string;

  @ApiProperty({ description: 'A label to recognise the token by.', example: 'alice laptop', maxLength: NAME_MAX_LENGTH })
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX_LENGTH)
  name!: string;

  @ApiPropertyOptional({ description: 'When the token stops working (ISO 8601, in the future); omitted: never.', example: '2027-01-31T00:00:00Z' })
  @IsOptional()
  @IsISO8601()
  expiresAt?: string;

  @ApiPropertyOptional({
    description: 'Models the gateway (/v1) accepts from this token, as a request names them: usage slots and/or "platform/model". Omitted: every model.',
    example: ['main', 'DeepSeek/deepseek-chat'],
    type: [String],
  })
  @OptionalStringList()
  allowedModels?: string[];

  @ApiPropertyOptional({
    description: 'Client addresses the gateway (/v1) accepts this token from: IPs and CIDRs. Omitted: any address.',
    example: ['203.0.113.7', '10.0.0.0/8'],
    type: [String],
  })
  @OptionalStringList()
  allowedIps?: string[];
}
