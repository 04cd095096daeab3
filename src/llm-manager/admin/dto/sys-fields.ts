import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsInt, IsString, IsUrl, Matches, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { BASE_URL_MAX_LENGTH, ENV_VAR_PATTERN, NAME_MAX_LENGTH } from '../../common/input-rules';
import { API_KEY_MAX_LENGTH } from './platform-create.dto';
import { CANONICAL_ID, MAX_ID } from './user-route-id.pipe';

type FieldDecorator = ReturnType<typeof applyDecorators>;

/** A positive integer id of a stored row, in a JSON body. */
export function IsRowId(): FieldDecorator {
  return applyDecorators(IsInt(), Min(1), Max(MAX_ID));
}

/**
 * A positive integer id from a path or query string. Only canonical digits become a number ("1e3", "0x10", " 7",
 * "07" stay strings and fail), so the error names the field rather than a parse failure.
 */
export function IsRowIdText(): FieldDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' && CANONICAL_ID.test(value) ? Number(value) : value)),
    IsRowId(),
  );
}

/** An absolute http(s) URL such as `https://api.deepseek.com/v1` (hosts without a TLD, e.g. `http://ollama:11434`, allowed). */
export function IsBaseUrl(): FieldDecorator {
  return applyDecorators(
    IsString(),
    MaxLength(BASE_URL_MAX_LENGTH),
    IsUrl(
      { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
      { message: '$property must be an http(s) URL such as https://api.deepseek.com/v1' },
    ),
  );
}

/**
 * An API key in plaintext, or the mask a read returned (which keeps the stored key). `null` is always allowed
 * (it removes the key); omitting the field is allowed unless `required`.
 */
export function IsApiKey({ required = false }: { required?: boolean } = {}): FieldDecorator {
  return applyDecorators(
    ValidateIf((_object: object, value: unknown) => value !== null && (required || value !== undefined)),
    IsString(),
    MaxLength(API_KEY_MAX_LENGTH),
    Matches(/^\S*$/, { message: '$property must not contain spaces or line breaks' }),
  );
}

/** The name of an environment variable holding the key, e.g. `DEEPSEEK_API_KEY`; `null` clears it. */
export function IsEnvVarName(): FieldDecorator {
  return applyDecorators(
    ValidateIf((_object: object, value: unknown) => value !== undefined && value !== null),
    IsString(),
    MaxLength(NAME_MAX_LENGTH),
    Matches(ENV_VAR_PATTERN, { message: '$property must be an environment variable name such as DEEPSEEK_API_KEY' }),
  );
}
