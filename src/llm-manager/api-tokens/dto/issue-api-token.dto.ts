import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { NAME_MAX_LENGTH } from '../../common/input-rules';

/** Who the new token acts as, and what to call it. */
export class IssueApiTokenDto {
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
}
