import type { INestApplication, Type } from '@nestjs/common';
import { Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import request from 'supertest';
import { Column, DataSource, Entity, PrimaryGeneratedColumn, type DataSourceOptions } from 'typeorm';
import { LlmManagerModule } from '../../src/llm-manager/llm-manager.module';
import type { LlmManagerOptions } from '../../src/llm-manager/llm-manager.options';
import { ownTableNames } from '../support/own-tables';
import { TempStore } from '../support/temp-store';
import { headerIdentity, HostConfig, HostConfigModule, HostController } from './host-module-fixtures';

/** What `useClass` needs: a factory class with `create()`. */
@Injectable()
class LlmOptionsFactory {
  constructor(private readonly config: HostConfig) {}
  create(): LlmManagerOptions {
    return this.config.llmManager();
  }
}

type Way = [string, (store: TempStore) => unknown];

/** The host's root module compiled, created and initialised, as its main.ts would. */
async function startHostApp(root: Type): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: [root] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

const WAYS: Way[] = [
  ['forRoot(options)', (store) => LlmManagerModule.forRoot({ ...store.options(), resolveIdentity: headerIdentity })],
  [
    'forRootAsync({ imports, useFactory, inject })',
    () =>
      LlmManagerModule.forRootAsync({
        imports: [HostConfigModule],
        inject: [HostConfig],
        useFactory: (config: HostConfig) => config.llmManager(),
      }),
  ],
  [
    'forRootAsync({ imports, useClass })',
    () => LlmManagerModule.forRootAsync({ imports: [HostConfigModule], useClass: LlmOptionsFactory }),
  ],
];

describe.each(WAYS)('a host app configured with %s', (_name, importLlmManager) => {
  const store = new TempStore();
  let app: INestApplication;

  beforeAll(async () => {
    HostConfig.values = store.options();
    @Module({ imports: [importLlmManager(store) as never], controllers: [HostController] })
    class HostAppModule {}
    app = await startHostApp(HostAppModule);
  });
  afterAll(async () => {
    await app.close();
    store.remove();
  });

  it('injects LlmManagerService into the host and mounts the REST routes with the host identity', async () => {
    const own = await request(app.getHttpServer()).get('/host/fast-model').set('x-user-id', 'alice').expect(200);
    expect(own.body).toEqual({ platform: '阿里云百炼', model: '通义flash' });
    const rest = await request(app.getHttpServer()).get('/api/ai/user-selection?usage_key=reason').set('x-user-id', 'alice').expect(200);
    expect(rest.body).toMatchObject({ usage_key: 'reason', platform_name: 'DeepSeek', model_display_name: 'DeepSeek-R1' });
    await request(app.getHttpServer()).get('/api/ai/user-selection').expect(401);
  });
});

describe('a host app that keeps its own routes only (controllers: false)', () => {
  const store = new TempStore();
  let app: INestApplication;

  beforeAll(async () => {
    @Module({ imports: [LlmManagerModule.forRoot({ ...store.options(), controllers: false })], controllers: [HostController] })
    class HostAppModule {}
    app = await startHostApp(HostAppModule);
  });
  afterAll(async () => {
    await app.close();
    store.remove();
  });

  it('serves the host route and no llm-mgr route', async () => {
    await request(app.getHttpServer()).get('/host/fast-model').set('x-user-id', 'bob').expect(200);
    await request(app.getHttpServer()).get('/api/ai/user-selection').set('x-user-id', 'bob').expect(404);
  });
});

describe('a host app that lends llm-mgr its own TypeORM DataSource', () => {
  const store = new TempStore();
  let app: INestApplication;
  let hostDataSource: DataSource;

  beforeAll(async () => {
    // The host's own schema in the same database: one table of its own, created by its own synchronize.
    @Entity('host_orders')
    class HostOrder {
      @PrimaryGeneratedColumn()
      id!: number;
      @Column({ type: 'varchar', length: 20 })
      label!: string;
    }
    hostDataSource = await new DataSource({ ...store.database.options, entities: [HostOrder], synchronize: true } as DataSourceOptions).initialize();
    await hostDataSource.getRepository(HostOrder).insert({ label: 'kept' });
    const { database: _ignored, ...withoutDatabase } = store.options();
    @Module({
      imports: [LlmManagerModule.forRoot({ ...withoutDatabase, dataSource: hostDataSource, resolveIdentity: headerIdentity })],
      controllers: [HostController],
    })
    class HostAppModule {}
    app = await startHostApp(HostAppModule);
  });
  afterAll(async () => {
    await app.close();
    await hostDataSource.destroy();
    store.remove();
  });

  it('stores llm-mgr tables beside the host tables, leaving the host schema and rows alone', async () => {
    await request(app.getHttpServer()).get('/host/fast-model').set('x-user-id', 'carol').expect(200);
    expect(await ownTableNames(hostDataSource)).toEqual(
      expect.arrayContaining(['host_orders', 'llm_platforms', 'llm_mgr_migrations', 'usage_log_entries']),
    );
    expect(await hostDataSource.getRepository('HostOrder').find({ select: { label: true } })).toEqual([{ label: 'kept' }]);
  });
});

describe('a host app on @nestjs/typeorm that hands llm-mgr its data source by injection', () => {
  const store = new TempStore();
  let app: INestApplication;

  @Entity('host_invoices')
  class HostInvoice {
    @PrimaryGeneratedColumn()
    id!: number;
    @Column({ type: 'varchar', length: 20 })
    label!: string;
  }

  beforeAll(async () => {
    const { database: _ignored, ...withoutDatabase } = store.options();
    @Module({
      imports: [
        // A common test-time set-up: the host's schema rebuilt on every start (dropSchema + synchronize).
        TypeOrmModule.forRoot({ ...store.database.options, entities: [HostInvoice], synchronize: true, dropSchema: true } as DataSourceOptions),
        TypeOrmModule.forFeature([HostInvoice]),
        LlmManagerModule.forRootAsync({
          inject: [getDataSourceToken()],
          useFactory: (dataSource: DataSource) => ({ ...withoutDatabase, dataSource, resolveIdentity: headerIdentity }),
        }),
      ],
      controllers: [HostController],
    })
    class HostAppModule {}
    app = await startHostApp(HostAppModule);
  });
  afterAll(async () => {
    await app?.close();
    store.remove();
  });

  it("opens a pool of its own on the host's connection, never applying the host's dropSchema or synchronize", async () => {
    const host = app.get<DataSource>(getDataSourceToken());
    const ours = app.get<DataSource>(getDataSourceToken('llm-mgr'));
    expect(ours).not.toBe(host);
    // The host's table survived llm-mgr's start (a borrowed dropSchema would have emptied the schema after the host's sync).
    await host.getRepository(HostInvoice).insert({ label: 'kept' });
    await request(app.getHttpServer()).get('/host/fast-model').set('x-user-id', 'dora').expect(200);
    expect(await ownTableNames(host)).toEqual(expect.arrayContaining(['host_invoices', 'llm_platforms', 'usage_log_entries']));
    expect(ours.entityMetadatas.map((m) => m.tableName)).not.toContain('host_invoices');
    expect(ours.options).toMatchObject({ dropSchema: false, synchronize: false });
  });

  it('closes both data sources with the application', async () => {
    const host = app.get<DataSource>(getDataSourceToken());
    const ours = app.get<DataSource>(getDataSourceToken('llm-mgr'));
    await app.close();
    expect([host.isInitialized, ours.isInitialized]).toEqual([false, false]);
  });
});
