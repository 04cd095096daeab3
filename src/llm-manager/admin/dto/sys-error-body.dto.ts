import { applyDecorators, HttpStatus } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import type { ErrorBody } from '../../common/llm-manager-exception.filter';

/** The body of every error of llm-mgr's routes (see LlmManagerExceptionFilter). */
export class SysErrorBodyDto implements ErrorBody {
  @ApiProperty({ description: 'HTTP status.', example: 404 })
  statusCode!: number;

  @ApiProperty({ description: 'Domain code to switch on.', example: 'PLATFORM_NOT_FOUND' })
  code!: string;

  @ApiProperty({ description: 'What went wrong and what to do next; never a secret.', example: 'Platform 42 does not exist or is not yours.' })
  message!: string;

  @ApiPropertyOptional({
    description:
      'Structured context such as the field or id. A refused body (VALIDATION_FAILED) has `field` (the first) and `fields`: ' +
      'every broken rule as { field (nested by path), rule (class-validator\'s name), message }.',
    example: { platformId: 42 },
    type: 'object',
    additionalProperties: true,
  })
  details?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Every validation failure, one per field rule.', example: ['name must be shorter than or equal to 100 characters'], type: [String] })
  errors?: string[];
}

const MEANING: Readonly<Partial<Record<HttpStatus, string>>> = {
  [HttpStatus.BAD_REQUEST]: 'VALIDATION_FAILED: malformed JSON, a wrong type, an unknown field or a broken rule (the message names the field).',
  [HttpStatus.UNAUTHORIZED]: 'UNAUTHENTICATED: no identity on the request.',
  [HttpStatus.FORBIDDEN]: 'FORBIDDEN: the caller is not an administrator.',
  [HttpStatus.NOT_FOUND]: 'PLATFORM_NOT_FOUND, MODEL_NOT_FOUND or USAGE_SLOT_NOT_FOUND.',
  [HttpStatus.CONFLICT]: 'NAME_CONFLICT: the name is taken.',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'The JSON body is larger than the server accepts.',
  [HttpStatus.BAD_GATEWAY]: 'UPSTREAM_ERROR: the platform refused or did not answer.',
};

/** Documents the error answers of an admin route: always 401 and 403, plus the statuses given. */
export function ApiAdminErrors(...statuses: HttpStatus[]): ReturnType<typeof applyDecorators> {
  const all = [HttpStatus.UNAUTHORIZED, HttpStatus.FORBIDDEN, ...statuses];
  return applyDecorators(
    ...all.map((status) => ApiResponse({ status, description: MEANING[status] ?? 'Error.', type: SysErrorBodyDto })),
  );
}
