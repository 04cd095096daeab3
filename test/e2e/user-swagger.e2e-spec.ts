import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { HttpApp } from './http-app';

type Operation = {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { name: string; in: string; description?: string; example?: unknown; schema?: { example?: unknown } }[];
  requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
  responses: Record<string, { description?: string; content?: Record<string, { example?: unknown; examples?: unknown }> }>;
};
type Schema = { properties?: Record<string, { description?: string; example?: unknown; items?: { $ref?: string } }> };

const USER_ROUTES: [method: string, path: string][] = [
  ['get', '/api/ai/user-selection'],
  ['post', '/api/ai/user-selection'],
  ['post', '/api/ai/user-selection/usage'],
  ['get', '/api/ai/user/platforms'],
  ['post', '/api/ai/user/platforms'],
  ['put', '/api/ai/user/platforms/{id}'],
  ['delete', '/api/ai/user/platforms/{id}'],
  ['post', '/api/ai/user/platforms/{id}/models'],
  ['put', '/api/ai/user/models/{id}'],
  ['delete', '/api/ai/user/models/{id}'],
  ['get', '/api/ai/user/api-keys'],
  ['post', '/api/ai/user/api-key'],
  ['delete', '/api/ai/user/api-key/{platformId}'],
  ['post', '/api/ai/user/probe'],
  ['post', '/api/ai/user/test-model'],
  ['get', '/api/ai/user/usage'],
  ['get', '/api/ai/user/usage/by-model'],
  ['get', '/api/ai/user/usage/by-agent'],
  ['get', '/api/ai/user/usage/timeline'],
];

describe('Swagger documents every user route', () => {
  let http: HttpApp;
  let document: OpenAPIObject;

  beforeAll(async () => {
    http = await HttpApp.start();
    document = SwaggerModule.createDocument(http.app, new DocumentBuilder().addBearerAuth().build());
  });
  afterAll(async () => {
    await http.close();
  });

  const operation = (method: string, path: string): Operation =>
    (document.paths[path] as Record<string, Operation> | undefined)?.[method] as Operation;
  const schema = (ref: string): Schema => document.components!.schemas![ref.replace('#/components/schemas/', '')] as Schema;

  it.each(USER_ROUTES)('%s %s: summary, description, tag, bearer auth, an example answer', (method, path) => {
    const op = operation(method, path);
    expect(op).toBeDefined();
    expect(op.summary).toEqual(expect.any(String));
    expect(op.description!.length).toBeGreaterThan(10);
    expect(op.tags).toHaveLength(1);
    expect(op.security).toEqual([{ bearer: [] }]);
    const [status, answer] = Object.entries(op.responses).find(([code]) => code.startsWith('2'))!;
    expect(answer.description).toEqual(expect.any(String));
    if (status !== '204') {
      const content = answer.content!['application/json']!;
      expect(content.example ?? content.examples).toBeDefined();
    }
  });

  it.each(USER_ROUTES.filter(([method]) => method === 'post' || method === 'put'))(
    '%s %s: every body field has a description and an example',
    (method, path) => {
      const ref = operation(method, path).requestBody!.content['application/json']!.schema.$ref!;
      const pending = [ref];
      const seen = new Set<string>();
      while (pending.length > 0) {
        const next = pending.pop()!;
        if (seen.has(next)) continue;
        seen.add(next);
        for (const [name, property] of Object.entries(schema(next).properties ?? {})) {
          expect({ name, description: property.description }).toEqual({ name, description: expect.any(String) });
          if (property.items?.$ref) pending.push(property.items.$ref);
          else expect({ name, example: property.example }).not.toEqual({ name, example: undefined });
        }
      }
    },
  );

  it('path and query parameters are documented with examples', () => {
    for (const [method, path] of USER_ROUTES) {
      for (const parameter of operation(method, path).parameters ?? []) {
        const example = parameter.example ?? parameter.schema?.example;
        expect({ path, name: parameter.name, described: Boolean(parameter.description), example: example !== undefined }).toEqual({
          path,
          name: parameter.name,
          described: true,
          example: true,
        });
      }
    }
  });
});
