import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { Response } from 'supertest';
import type { PlatformView } from '../../src/llm-manager/admin/platform.types';
import { useNoNetworkGuard } from '../support/no-network';
import { TEST_MASTER_KEY } from '../support/temp-store';
import { expectCleanError, HttpApp, type Method } from './http-app';

const ENV_KEY = 'sk-test-env-key-0000111122223333';
const YAML_PLAIN_KEY = 'sk-plain-yaml-key-aaaabbbbccccdddd';
const INTRUDER_KEY = 'sk-intruder-key-7777666655554444';

type Route = [method: Method, path: string, body?: unknown];

/** Every admin route of this feature, with a body that would be valid, so only the identity decides. */
const ROUTES: readonly Route[] = [
  ['get', '/api/ai/admin/sys-platforms'],
  ['post', '/api/ai/admin/sys-platform', { name: 'Intruder', baseUrl: 'https://evil.example/v1', apiKey: INTRUDER_KEY }],
  ['put', '/api/ai/admin/sys-platform', { id: 1, name: 'Hijacked' }],
  ['delete', '/api/ai/admin/sys-platform', { id: 1 }],
  ['delete', '/api/ai/admin/sys-platform?id=1'],
  ['post', '/api/ai/admin/sys-platform/api-key', { platformId: 1, apiKey: INTRUDER_KEY }],
  ['post', '/api/ai/admin/reload-from-yaml'],
  ['post', '/api/ai/admin/sys-platform/2/default'],
  ['post', '/api/ai/admin/sys-platform/1/models', { displayName: 'Evil', modelName: 'evil' }],
  ['put', '/api/ai/admin/sys-model/1', { displayName: 'Evil' }],
  ['delete', '/api/ai/admin/sys-model/1'],
  ['post', '/api/ai/admin/probe', { platformId: 1 }],
  ['post', '/api/ai/admin/test-model', { platformId: 1, modelId: 1 }],
  ['get', '/api/ai/admin/usages'],
  ['put', '/api/ai/admin/usages/main', { platformId: 1, modelId: 2 }],
  ['post', '/api/ai/admin/usages', { usageKey: 'evil', platformId: 1, modelId: 1 }],
  ['get', '/api/ai/admin/usage/users?since=7d'],
  ['get', '/api/ai/admin/usage/total?since=24h'],
  ['get', '/api/ai/admin/usage/users/alice'],
  ['get', '/api/ai/admin/usage/users/alice/by-model'],
  ['get', '/api/ai/admin/usage/users/alice/by-agent'],
  ['get', '/api/ai/admin/usage/users/alice/timeline?granularity=day&since=7d'],
  ['post', '/api/ai/admin/usage/purge', { olderThanDays: 1 }],
];

describe('admin routes: who may call them, and what bad requests get back', () => {
  useNoNetworkGuard();
  let app: HttpApp;

  const admin = (method: Method, path: string, body?: unknown): Promise<Response> =>
    app.call(method, path, { as: 'root', admin: true, body });

  beforeAll(async () => {
    app = await HttpApp.start();
  });
  afterAll(async () => {
    await app.close();
  });

  // Rest parameters: jest-each takes a function with more parameters than a row has values for a `done` callback.
  it.each(ROUTES)('%s %s without an identity → 401 UNAUTHENTICATED', async (...[method, path, body]: Route) => {
    expectCleanError(await app.call(method, path, { body }), 401, 'UNAUTHENTICATED');
  });

  it.each(ROUTES)('%s %s as a user who is not an admin → 403 FORBIDDEN', async (...[method, path, body]: Route) => {
    expectCleanError(await app.call(method, path, { as: 'alice', body }), 403, 'FORBIDDEN');
  });

  it('the refused calls changed nothing', async () => {
    const list = (await admin('get', '/api/ai/admin/sys-platforms')).body as PlatformView[];
    expect(list.map((p) => p.name)).toEqual(['DeepSeek', '阿里云百炼', 'MissingEnv']);
    expect(list[0]!.models.map((m) => m.displayName)).toEqual(['DeepSeek-V3', 'DeepSeek-R1']);
  });

  it('a non-admin is refused before validation, so a bad body tells them nothing', async () => {
    expectCleanError(await app.call('post', '/api/ai/admin/sys-platform', { as: 'alice', body: { nonsense: true } }), 403, 'FORBIDDEN');
  });

  it.each([
    ['post', '/api/ai/admin/sys-platform'],
    ['put', '/api/ai/admin/sys-platform'],
    ['delete', '/api/ai/admin/sys-platform'],
    ['post', '/api/ai/admin/sys-platform/api-key'],
    ['post', '/api/ai/admin/probe'],
    ['post', '/api/ai/admin/usages'],
    ['post', '/api/ai/admin/usage/purge'],
  ] as Array<[Method, string]>)('%s %s: malformed JSON → 400 clean JSON', async (method, path) => {
    const response = await app.call(method, path, { as: 'root', admin: true, raw: '{"name": "x",' });
    expectCleanError(response, 400);
    expect(response.body.message).toMatch(/JSON/);
  });

  // Body parsing runs before routing: the host's global filter answers there; the standalone server's is ours
  // (standalone-server.e2e-spec.ts checks that it answers with VALIDATION_FAILED and PAYLOAD_TOO_LARGE).

  it.each([
    ['an array', '[]'],
    ['a number', '42'],
  ])('a JSON body that is %s, not an object → 400 clean JSON', async (_kind, raw) => {
    const response = await app.call('post', '/api/ai/admin/sys-platform', { as: 'root', admin: true, raw });
    expectCleanError(response, 400);
  });

  it('an oversized body → 413 as clean JSON, and nothing stored', async () => {
    const huge = JSON.stringify({ name: 'Huge', baseUrl: 'https://huge.example/v1', models: [{ displayName: 'x', modelName: 'x', extraBody: { blob: 'x'.repeat(300_000) } }] });
    const response = await app.call('post', '/api/ai/admin/sys-platform', { as: 'root', admin: true, raw: huge });
    expectCleanError(response, 413);
    const list = (await admin('get', '/api/ai/admin/sys-platforms')).body as PlatformView[];
    expect(list.map((p) => p.name)).not.toContain('Huge');
  });

  it('unknown admin paths are 404 without internals', async () => {
    const response = await admin('get', '/api/ai/admin/sys-platform/1/nothing-here');
    expect(response.status).toBe(404);
    expect(response.text).not.toMatch(/node_modules|\.ts:\d+|\bat \w/);
  });

  it('documents every admin route in Swagger with a summary, a description, examples and its errors', () => {
    const document: OpenAPIObject = SwaggerModule.createDocument(app.app, new DocumentBuilder().build());
    const mine = ROUTES.map(([method, path]) => [method, path.split('?')[0]!.replace(/\/(\d+)(?=\/|$)/g, '/{id}').replace('/main', '/{usageKey}').replace('/alice', '/{userId}')] as const);
    for (const [method, path] of mine) {
      const operation = document.paths[path]?.[method];
      expect({ path, method, summary: operation?.summary, description: operation?.description }).toEqual({
        path,
        method,
        summary: expect.any(String),
        description: expect.any(String),
      });
      expect(Object.keys(operation?.responses ?? {})).toEqual(expect.arrayContaining(['401', '403']));
    }
    const schemas = document.components?.schemas ?? {};
    for (const name of ['CreateSysPlatformDto', 'UpdateSysPlatformDto', 'SetSysApiKeyDto', 'SysProbeDto', 'SysTestModelDto', 'CreateSystemUsageDto', 'AdminPurgeDto']) {
      const properties = (schemas[name] as { properties?: Record<string, { example?: unknown; description?: string }> } | undefined)?.properties ?? {};
      expect(Object.keys(properties).length).toBeGreaterThan(0);
      for (const [property, schema] of Object.entries(properties)) {
        expect({ schema: name, property, hasExample: 'example' in schema, described: typeof schema.description }).toEqual({
          schema: name,
          property,
          hasExample: true,
          described: 'string',
        });
      }
    }
  });

  it('never answered with a plaintext key', () => {
    expect(app.leaked([ENV_KEY, YAML_PLAIN_KEY, INTRUDER_KEY, TEST_MASTER_KEY])).toEqual([]);
  });
});
