import { Controller, Get, Param, UseFilters, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { writeFileSync } from 'fs';
import request from 'supertest';
import { LlmManagerExceptionFilter, LlmManagerModule, LlmManagerService, type PlatformView } from '../../src/llm-manager';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../../src/llm-manager/llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import { HostResolver } from '../../src/llm-manager/security/url-guard';
import { useNoNetworkGuard } from '../support/no-network';
import { OfflineHostResolver, TempStore } from '../support/temp-store';

const DOTENV_KEY = 'sk-host-dotenv-key-00001111222233dd';
const ADMIN_TOKEN = 'llma_host-admin-token-000000000000000000000000';
const YAML = `
platforms:
  FromDotenv:
    base_url: http://127.0.0.1:9/v1
    api_key: '{HOST_DOTENV_KEY}'
    models: { m: m }
usages:
  main: { platform: FromDotenv, model: m }
  fast: { platform: FromDotenv, model: m }
  reason: { platform: FromDotenv, model: m }
`;

/** A host's own route that lets an LlmManagerError through, with the filter llm-mgr exports. */
@Controller('host')
@UseFilters(LlmManagerExceptionFilter)
class HostModelController {
  constructor(private readonly llm: LlmManagerService) {}

  @Get('model/:platform')
  async model(@Param('platform') platform: string): Promise<{ ok: true }> {
    await this.llm.getSpecSysLlm(platform, 'm');
    return { ok: true };
  }
}

describe('a host app: its .env feeds {ENV} placeholders, and its routes can map LlmManagerError', () => {
  useNoNetworkGuard();
  const store = new TempStore(YAML);
  let app: INestApplication;

  beforeAll(async () => {
    writeFileSync(store.envPath, `HOST_DOTENV_KEY=${DOTENV_KEY}\nLLM_MGR_ADMIN_TOKEN=${ADMIN_TOKEN}\n`);
    // No `env`: the host relies on process.env and its .env, as most do.
    const moduleRef = await Test.createTestingModule({
      imports: [LlmManagerModule.forRoot({ ...store.options(), env: undefined, controllers: false })],
      controllers: [HostModelController],
    })
      .overrideProvider(HostResolver)
      .useValue(new OfflineHostResolver())
      .compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    store.remove();
  });

  const systemPlatform = async (name: string): Promise<PlatformView> =>
    (await app.get(LlmManagerService).listPlatforms('-1')).find((p) => p.name === name)!;

  it('resolves a provider key from the host .env', async () => {
    expect(await systemPlatform('FromDotenv')).toMatchObject({ usable: true, keySource: 'env', maskedKey: 'sk-…33dd' });
  });

  it("never resolves llm-mgr's own secrets from .env for a placeholder", () => {
    // A placeholder naming one is refused anyway (key-env-secrets spec); .env does not even hand them over.
    const env = app.get<ResolvedLlmManagerOptions>(LLM_MANAGER_RESOLVED_OPTIONS).env;
    expect(env.HOST_DOTENV_KEY).toBe(DOTENV_KEY);
    expect(process.env.LLM_MGR_ADMIN_TOKEN === undefined ? env.LLM_MGR_ADMIN_TOKEN : undefined).toBeUndefined();
  });

  it("maps an LlmManagerError thrown in the host's own controller to its status and code", async () => {
    const response = await request(app.getHttpServer()).get('/host/model/Nope');
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ statusCode: 404, code: 'MODEL_NOT_FOUND' });
    expect((await request(app.getHttpServer()).get('/host/model/FromDotenv')).body).toEqual({ ok: true });
  });
});
