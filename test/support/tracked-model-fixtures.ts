/** A JSON schema as a host would pass to `withStructuredOutput`. */
export const JSON_SCHEMA_SAMPLE_INPUT = {
  title: 'Answer',
  type: 'object',
  properties: { answer: { type: 'string' }, confidence: { type: 'number' } },
  required: ['answer', 'confidence'],
} as const;
