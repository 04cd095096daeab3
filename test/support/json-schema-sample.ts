import type { JsonValue } from './fake-upstream.types';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firstType(schema: Record<string, unknown>): string | undefined {
  const type = schema['type'];
  if (typeof type === 'string') return type;
  if (Array.isArray(type)) return type.find((t): t is string => typeof t === 'string' && t !== 'null');
  if (isRecord(schema['properties'])) return 'object';
  return undefined;
}

function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
}

/**
 * Builds the smallest value that satisfies a JSON schema, so structured-output and tool-call tests work without
 * scripting arguments. Handles what zod/LangChain emit: objects, arrays, enums, const, anyOf/oneOf, defaults.
 */
export function sampleFromSchema(schema: unknown, depth = 0): JsonValue {
  if (!isRecord(schema) || depth > 8) return null;
  if ('const' in schema) return toJson(schema['const']);
  if ('default' in schema) return toJson(schema['default']);
  const enumValues = schema['enum'];
  if (Array.isArray(enumValues) && enumValues.length > 0) return toJson(enumValues[0]);
  const alternatives = schema['anyOf'] ?? schema['oneOf'];
  if (Array.isArray(alternatives) && alternatives.length > 0) return sampleFromSchema(alternatives[0], depth + 1);
  switch (firstType(schema)) {
    case 'object': {
      const properties = isRecord(schema['properties']) ? schema['properties'] : {};
      const sample: { [key: string]: JsonValue } = {};
      for (const [key, propertySchema] of Object.entries(properties)) {
        sample[key] = sampleFromSchema(propertySchema, depth + 1);
      }
      return sample;
    }
    case 'array':
      return [];
    case 'string':
      return 'fake';
    case 'number':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    default:
      return null;
  }
}
