import { applyDecorators, HttpException, UseFilters, UseGuards, UsePipes, ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
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

  /**
   * Nest's refusal (`message`, one line per broken rule, capped as Nest caps it) with each field and rule added
   * (`fields`, sent as `details.fields`), so a client can say it in its own words: the console does in Chinese.
   */
  override createExceptionFactory(): (errors?: ValidationError[]) => unknown {
    const nests = super.createExceptionFactory();
    return (errors: ValidationError[] = []) => {
      const refusal = nests(errors);
      if (!(refusal instanceof HttpException)) return refusal;
      const body = refusal.getResponse();
      if (typeof body !== 'object' || body === null) return refusal;
      // The errors Nest kept within its message budget (maxErrorMessagesLength), not all of them.
      const kept = this.limitValidationErrors(errors, { remaining: this.maxErrorMessagesLength, isExceeded: false });
      return new HttpException({ ...body, fields: fieldRefusals(kept) }, refusal.getStatus());
    };
  }
}

/** One refused field of a request: its path (`limits.rpm`), the rule it broke (class-validator's name) and what it says. */
interface FieldRefusal {
  field: string;
  rule: string;
  message: string;
}

/** Refusals listed at most: a body with many bad fields says the first ones (Nest caps its messages the same way). */
const MAX_FIELD_REFUSALS = 50;
/** A field's path and message are cut to this many characters: a client's key can be as long as its body. */
const MAX_FIELD_TEXT = 200;

function clipped(text: string): string {
  return text.length > MAX_FIELD_TEXT ? `${text.slice(0, MAX_FIELD_TEXT)}…` : text;
}

/**
 * Every refusal in `errors`, nested fields by their dotted path, each message as Nest's ValidationPipe words it
 * (a nested field's message starts with its parents' path); paths and messages clipped to MAX_FIELD_TEXT.
 */
function fieldRefusals(errors: readonly ValidationError[]): FieldRefusal[] {
  const refusals: FieldRefusal[] = [];
  const visit = (list: readonly ValidationError[], path: string): void => {
    for (const error of list) {
      const field = path === '' ? error.property : `${path}.${error.property}`;
      for (const [rule, message] of Object.entries(error.constraints ?? {})) {
        if (refusals.length >= MAX_FIELD_REFUSALS) return;
        refusals.push({ field: clipped(field), rule, message: clipped(path === '' ? message : `${path}.${message}`) });
      }
      visit(error.children ?? [], field);
    }
  };
  visit(errors, '');
  return refusals;
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
