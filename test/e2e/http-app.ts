import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request, { type Response } from 'supertest';
import type { RequestIdentity } from '../../src/llm-manager/common/request-identity';
import { LlmManagerModule } from '../../src/llm-manager/llm-manager.module';
import type { LlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import { HostResolver } from '../../src/llm-manager/security/url-guard';
import { OfflineHostResolver, TempStore } from '../support/temp-store';

/** Test identity: `x-test-user: <id>` (and `x-test-admin: 1`); no header → null → 401. */
export function testHeaderIdentity(req: unknown): RequestIdentity | null {
  const headers = (req as { headers?: Record<string, string | string[] | undefined> }).headers ?? {};
  const user = headers['x-test-user'];
  if (typeof user !== 'string' || user === '') return null;
  return { userId: user, isAdmin: headers['x-test-admin'] === '1' };
}

export type Method = 'get' | 'post' | 'put' | 'delete';

export interface CallOptions {
  /** Sent as `x-test-user`; omit for an anonymous call. */
  as?: string;
  admin?: boolean;
  /** A JSON body (serialised by supertest). */
  body?: unknown;
  /** A raw body sent as is with Content-Type: application/json (malformed JSON, oversized payloads). */
  raw?: string;
}

/**
 * A real Nest app around `LlmManagerModule.forRoot()` on a temp SQLite file, driven over HTTP with supertest. Every
 * response body is kept so a spec can assert at the end that no secret ever left the server.
 */
export class HttpApp {
  readonly bodies: string[] = [];

  private constructor(
    readonly app: INestApplication,
    readonly store: TempStore,
  ) {}

  static async start(yaml?: string, options: LlmManagerOptions = {}): Promise<HttpApp> {
    const store = new TempStore(yaml);
    const moduleRef = await Test.createTestingModule({
      imports: [
        LlmManagerModule.forRoot({
          // The fake upstream listens on 127.0.0.1, which the SSRF guard refuses for users by default.
          ...store.options({ allowPrivateBaseUrls: true, maxRetries: 0, ...options }),
          resolveIdentity: testHeaderIdentity,
        }),
      ],
    })
      .overrideProvider(HostResolver)
      .useValue(new OfflineHostResolver())
      .compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return new HttpApp(app, store);
  }

  async call(method: Method, path: string, options: CallOptions = {}): Promise<Response> {
    let test = request(this.app.getHttpServer())[method](path);
    if (options.as !== undefined) test = test.set('x-test-user', options.as);
    if (options.admin) test = test.set('x-test-admin', '1');
    if (options.raw !== undefined) test = test.set('content-type', 'application/json').send(options.raw);
    else if (options.body !== undefined) test = test.send(options.body as object);
    const response = await test;
    this.bodies.push(response.text ?? '');
    return response;
  }

  get(path: string, as?: string): Promise<Response> {
    return this.call('get', path, { as });
  }

  post(path: string, as: string | undefined, body?: unknown): Promise<Response> {
    return this.call('post', path, { as, body });
  }

  put(path: string, as: string | undefined, body?: unknown): Promise<Response> {
    return this.call('put', path, { as, body });
  }

  delete(path: string, as?: string): Promise<Response> {
    return this.call('delete', path, { as });
  }

  /** Secrets from `secrets` found in any response body so far (expect `[]`). */
  leaked(secrets: readonly string[]): string[] {
    return secrets.filter((secret) => this.bodies.some((body) => body.includes(secret)));
  }

  async close(): Promise<void> {
    await this.app.close();
    this.store.remove();
  }
}

/** Marks of an internal leak: a stack frame, a source path, a module path. */
const LEAK = /\bat [\w.<>]+ \(|\.(ts|js):\d+|node_modules|\/work\/|\/home\/|[A-Z]:\\|"stack"/;

/** An error answer: JSON, the status expected, our `code` when given, and nothing internal in it. */
export function expectCleanError(response: Response, status: number, code?: string): void {
  expect({ status: response.status, body: response.body as unknown }).toMatchObject({ status, body: { statusCode: status } });
  expect(response.headers['content-type']).toMatch(/application\/json/);
  if (code !== undefined) expect(response.body).toMatchObject({ code });
  expect(response.text).not.toMatch(LEAK);
}

/** A 400 VALIDATION_FAILED whose text names `field`. */
export function expectValidationError(response: Response, field: string): void {
  expectCleanError(response, 400, 'VALIDATION_FAILED');
  expect(response.text).toContain(field);
}
