import { ApiProperty } from '@nestjs/swagger';

/** What `GET {baseUrl}/models` listed. */
export class ProbeResultDto {
  @ApiProperty({ description: 'Model ids, as the endpoint lists them.', example: ['deepseek-chat', 'deepseek-reasoner'], type: [String] })
  models!: string[];
}
