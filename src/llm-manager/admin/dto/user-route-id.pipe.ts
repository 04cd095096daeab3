import { Injectable, ParseIntPipe, type ArgumentMetadata } from '@nestjs/common';
import { LlmManagerError } from '../../common/llm-manager.error';

/** Largest id accepted in a route: a 32-bit signed integer, the narrowest id column of the supported engines. */
export const MAX_ID = 2_147_483_647;

/** The one spelling of an id in a path or query: decimal digits without a sign, spaces, exponent or leading zero. */
export const CANONICAL_ID = /^[1-9]\d{0,9}$/;

function invalidId(field: string | undefined): LlmManagerError {
  const name = field ?? 'id';
  return new LlmManagerError(
    'VALIDATION_FAILED',
    `${name}: must be a positive integer id written in plain digits, such as 12 (no leading zero, sign, spaces or exponent).`,
    { details: { field: name } },
  );
}

/**
 * `ParseIntPipe` for ids in routes: a positive integer up to `MAX_ID` spelt canonically, refused as
 * `VALIDATION_FAILED` naming the parameter. It sees the text that was sent: llm-mgr's ValidationPipe leaves route
 * parameters alone, so `1e3` is not read as 1000 first.
 */
@Injectable()
export class ParseIdPipe extends ParseIntPipe {
  constructor() {
    super({ exceptionFactory: () => invalidId(undefined) });
  }

  override async transform(value: string | number, metadata: ArgumentMetadata): Promise<number> {
    // A number comes from a host's global ValidationPipe (`transform: true`), which ran first; its spelling is lost.
    const text = String(value);
    if (!CANONICAL_ID.test(text)) throw invalidId(metadata.data);
    const id = await super.transform(text, metadata);
    if (id < 1 || id > MAX_ID) throw invalidId(metadata.data);
    return id;
  }
}
