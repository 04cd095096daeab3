import { Injectable, ParseIntPipe, type ArgumentMetadata } from '@nestjs/common';
import { LlmManagerError } from '../../common/llm-manager.error';

/** Largest id accepted in a route: a 32-bit signed integer, the narrowest id column of the supported engines. */
export const MAX_ID = 2_147_483_647;

function invalidId(field: string | undefined): LlmManagerError {
  const name = field ?? 'id';
  return new LlmManagerError('VALIDATION_FAILED', `${name}: must be a positive integer id such as 12.`, { details: { field: name } });
}

/**
 * `ParseIntPipe` for ids in routes: a positive integer up to `MAX_ID`, refused as `VALIDATION_FAILED` naming the
 * parameter. The controller-level ValidationPipe (`transform: true`) runs first and already turns a `number` route
 * parameter into `+value`, so this pipe sees either the raw digits or that number.
 */
@Injectable()
export class ParseIdPipe extends ParseIntPipe {
  constructor() {
    super({ exceptionFactory: () => invalidId(undefined) });
  }

  override async transform(value: string | number, metadata: ArgumentMetadata): Promise<number> {
    const text = String(value);
    if (!/^\d{1,10}$/.test(text)) throw invalidId(metadata.data);
    const id = await super.transform(text, metadata);
    if (id < 1 || id > MAX_ID) throw invalidId(metadata.data);
    return id;
  }
}
