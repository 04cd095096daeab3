import { applyDecorators, UseFilters, UseGuards, UsePipes, ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { assertWellShapedInput } from './input-shape';
import { LlmManagerExceptionFilter } from './llm-manager-exception.filter';
import { IdentityGuard } from './request-identity';

/**
 * Nest's ValidationPipe with two changes. Input too deep for class-transformer's recursion, or holding text no
 * database stores faithfully, is refused first (`assertWellShapedInput`). And a route parameter stays the text that
 * was sent: Nest would turn `@Param('id') id: number` into `+value`, which reads `1e0`, ` 1` and `01` as 1, before
 * `ParseIdPipe` could refuse them.
 */
class LlmManagerValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom') assertWellShapedInput(value, metadata.data ?? metadata.type);
    return super.transform(value, metadata);
  }

  protected override transformPrimitive(value: unknown): unknown {
    return value;
  }
}

/** Bodies are validated strictly: unknown fields are refused, types converted, nothing else reaches a service. */
export const llmManagerValidationPipe = new LlmManagerValidationPipe({
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
