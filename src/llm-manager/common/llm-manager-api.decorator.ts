import { applyDecorators, UseFilters, UseGuards, UsePipes, ValidationPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { LlmManagerExceptionFilter } from './llm-manager-exception.filter';
import { IdentityGuard } from './request-identity';

/** Bodies are validated strictly: unknown fields are refused, types converted, nothing else reaches a service. */
export const llmManagerValidationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  transformOptions: { enableImplicitConversion: false },
});

/**
 * Everything an llm-mgr controller needs, scoped to our routes only (a host's own routes keep their own pipes,
 * guards and filters): identity, validation, error mapping, Swagger tag and bearer auth.
 */
export function LlmManagerApi(tag: string): ClassDecorator {
  return applyDecorators(
    ApiTags(tag),
    ApiBearerAuth(),
    UseGuards(IdentityGuard),
    UsePipes(llmManagerValidationPipe),
    UseFilters(LlmManagerExceptionFilter),
  );
}
