import type { ValueTransformer } from 'typeorm';

/** Stores a JSON object in a TEXT column: the same bytes on SQLite, PostgreSQL and MySQL. */
export const jsonObjectTransformer: ValueTransformer = {
  to: (value: Record<string, unknown> | null | undefined): string | null =>
    value === null || value === undefined ? null : JSON.stringify(value),
  from: (value: string | null): Record<string, unknown> | null =>
    value === null || value === undefined ? null : (JSON.parse(value) as Record<string, unknown>),
};

/** The seed's `success` column is 1/0; the code speaks boolean. */
export const booleanIntTransformer: ValueTransformer = {
  to: (value: boolean | undefined): number | undefined => (value === undefined ? undefined : value ? 1 : 0),
  from: (value: number | boolean | null): boolean => value === 1 || value === true,
};

/** BIGINT comes back as a string from PostgreSQL and MySQL; money in micro-units stays far below 2^53. */
export const nullableBigintTransformer: ValueTransformer = {
  to: (value: number | null | undefined): number | null | undefined => value,
  from: (value: string | number | null): number | null => (value === null || value === undefined ? null : Number(value)),
};
