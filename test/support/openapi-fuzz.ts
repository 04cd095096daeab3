/**
 * Fuzz cases from an OpenAPI document: every operation with a plausible request, then that request broken one way at
 * a time (wrong types, nulls, deep nesting, big sizes, ill-formed Unicode, odd ids) in the body, the path and the query.
 */

type Schema = Record<string, unknown>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface FuzzOperation {
  method: 'get' | 'post' | 'put' | 'delete';
  /** OpenAPI template, e.g. `/api/ai/user/platforms/{id}`. */
  template: string;
  pathParams: string[];
  queryParams: Array<{ name: string; schema: Schema }>;
  /** The schema of a JSON body, when the operation takes one. */
  body: Schema | undefined;
}

export interface FuzzCase {
  label: string;
  /** Path with its parameters filled in (already URL-encoded) and any query string. */
  url: string;
  /** Sent as is with Content-Type: application/json; undefined sends no body. */
  raw: string | undefined;
}

/** A value per path parameter name that names something that exists (or a plausible name). */
const PATH_BASELINE: Record<string, string> = { id: '1', platformId: '1', userId: 'fuzz-user', usageKey: 'main', name: 'DeepSeek', model: 'DeepSeek-V3' };

/** Ids and names as a client might mangle them; each is already URL-encoded. */
export const ODD_PATH_VALUES = [
  '1e0', '1e3', '01', '%201', '-1', '0', '1.5', '0x1', '99999999999', '9'.repeat(400), 'abc', '%00', '%ED%A0%80', '%F0%9F%98%80',
  '..%2F..%2Fetc', 'x'.repeat(3000), '%25', 'null', '%5B%5D',
];

const DEEP = 2400;
const LONE = 'a\ud800';

/** Stands for a value 2,400 levels deep, spliced into the JSON text (JSON.stringify itself would recurse that deep). */
const DEEP_MARK = 'DEEP';

/** Values that replace one field of an otherwise plausible body. */
const FIELD_VALUES: Array<[string, Json | typeof DEEP_MARK]> = [
  ['null', null], ['0', 0], ['-1', -1], ['1e308', 1e308], ['true', true], ['""', ''], ['"1e3"', '1e3'], ['[]', []], ['{}', {}],
  ['[null]', [null]], ['a 20,000-character string', 'x'.repeat(20_000)], ['a lone surrogate', LONE], ['an object 50 levels deep', nest(50)],
  ['an object 2,400 levels deep', DEEP_MARK],
];

function nest(levels: number): Json {
  let value: Json = 1;
  for (let i = 0; i < levels; i += 1) value = { a: value };
  return value;
}

function isSchema(value: unknown): value is Schema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every operation of the document (Swagger's own routes are not in it). */
export function operationsOf(doc: Schema): FuzzOperation[] {
  const operations: FuzzOperation[] = [];
  for (const [template, item] of Object.entries(doc['paths'] as Record<string, Schema>)) {
    for (const method of ['get', 'post', 'put', 'delete'] as const) {
      const op = item[method];
      if (!isSchema(op)) continue;
      const parameters = (Array.isArray(op['parameters']) ? op['parameters'] : []) as Schema[];
      const content = isSchema(op['requestBody']) ? (op['requestBody']['content'] as Schema | undefined) : undefined;
      const json = content?.['application/json'];
      operations.push({
        method,
        template,
        pathParams: parameters.filter((p) => p['in'] === 'path').map((p) => String(p['name'])),
        queryParams: parameters.filter((p) => p['in'] === 'query').map((p) => ({ name: String(p['name']), schema: (p['schema'] ?? {}) as Schema })),
        body: isSchema(json) && isSchema(json['schema']) ? (json['schema'] as Schema) : undefined,
      });
    }
  }
  return operations;
}

/** A plausible value for `schema`: its example, else one of its type. URLs point at a closed local port. */
export function sample(doc: Schema, schema: Schema, name = '', depth = 0): Json {
  const resolved = resolveRef(doc, schema);
  if (/url/i.test(name)) return 'http://127.0.0.1:9/v1';
  if ('example' in resolved) return resolved['example'] as Json;
  if (Array.isArray(resolved['enum']) && resolved['enum'].length > 0) return resolved['enum'][0] as Json;
  if (Array.isArray(resolved['allOf'])) {
    return Object.assign({}, ...resolved['allOf'].map((part) => sample(doc, part as Schema, name, depth + 1))) as Json;
  }
  const properties = resolved['properties'];
  if (isSchema(properties) && depth < 4) {
    const out: { [key: string]: Json } = {};
    for (const [key, child] of Object.entries(properties)) out[key] = sample(doc, child as Schema, key, depth + 1);
    return out;
  }
  switch (resolved['type']) {
    case 'string':
      return /id$/i.test(name) ? 'fuzz-user' : 'fuzz';
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return false;
    case 'array':
      return [];
    default:
      return {};
  }
}

function resolveRef(doc: Schema, schema: Schema): Schema {
  const ref = schema['$ref'];
  if (typeof ref !== 'string') return schema;
  const target = ref.replace(/^#\//, '').split('/').reduce<unknown>((node, key) => (isSchema(node) ? node[key] : undefined), doc);
  return isSchema(target) ? resolveRef(doc, target) : {};
}

function fill(op: FuzzOperation, override?: [string, string]): string {
  return op.template.replace(/\{(\w+)\}/g, (_m, name: string) =>
    override && override[0] === name ? override[1] : encodeURIComponent(PATH_BASELINE[name] ?? 'x'),
  );
}

function deepJson(): string {
  return `${'{"a":'.repeat(DEEP)}1${'}'.repeat(DEEP)}`;
}

function withField(body: Json, key: string, value: Json | typeof DEEP_MARK): string {
  if (value !== DEEP_MARK) return JSON.stringify({ ...(body as object), [key]: value });
  const rest = JSON.stringify({ ...(body as object), [key]: 0 });
  return rest.replace(`"${key}":0`, `"${key}":${deepJson()}`);
}

/** The plausible request first, then each broken variant. */
export function casesFor(doc: Schema, op: FuzzOperation): FuzzCase[] {
  const base = fill(op);
  const baseQuery = op.queryParams.map((q) => `${encodeURIComponent(q.name)}=${encodeURIComponent(String(sample(doc, q.schema, q.name)))}`);
  const url = (path: string, query = baseQuery): string => (query.length > 0 ? `${path}?${query.join('&')}` : path);
  const body = op.body ? sample(doc, op.body) : undefined;
  const raw = body === undefined ? undefined : JSON.stringify(body);
  const cases: FuzzCase[] = [{ label: 'plausible request', url: url(base), raw }];
  for (const name of op.pathParams) {
    for (const odd of ODD_PATH_VALUES) cases.push({ label: `path ${name}=${odd.slice(0, 20)}`, url: url(fill(op, [name, odd])), raw });
  }
  op.queryParams.forEach((q, index) => {
    const others = baseQuery.filter((_, i) => i !== index);
    for (const odd of [...ODD_PATH_VALUES, `${q.name}=1`]) {
      const variant = odd === `${q.name}=1` ? [`${encodeURIComponent(q.name)}=1`, `${encodeURIComponent(q.name)}=2`] : [`${encodeURIComponent(q.name)}=${odd}`];
      cases.push({ label: `query ${q.name}=${odd.slice(0, 20)}`, url: url(base, [...others, ...variant]), raw });
    }
    cases.push({ label: `query ${q.name}[a]=1`, url: url(base, [...others, `${encodeURIComponent(q.name)}[a]=1`]), raw });
  });
  if (op.method === 'get') return cases;
  for (const [label, text] of [
    ['body null', 'null'], ['body []', '[]'], ['body "s"', '"s"'], ['body 1', '1'], ['body true', 'true'], ['body {}', '{}'],
    ['body 2,400 levels deep', deepJson()], ['body over 100 kB', JSON.stringify({ x: 'y'.repeat(110_000) })],
    ['body with an ill-formed key', `{${JSON.stringify(LONE)}:1}`], ['malformed JSON', '{"a":'],
  ] as const) {
    cases.push({ label, url: url(base), raw: text });
  }
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    for (const key of [...Object.keys(body), 'unknownField']) {
      for (const [label, value] of FIELD_VALUES) cases.push({ label: `${key}: ${label}`, url: url(base), raw: withField(body, key, value) });
    }
  }
  return cases;
}
