import { Module } from '@nestjs/common';
import { LlmManagerModule } from 'llm-mgr';
import { join } from 'node:path';
import { headerIdentity } from './identity';
import { MeController } from './me.controller';

@Module({
  imports: [
    // forRootAsync: the options are built when the app starts, from its own configuration (here the environment).
    LlmManagerModule.forRootAsync({
      useFactory: () => ({
        // llm-mgr's own connection, a SQLite file in the working directory.
        database: { type: 'better-sqlite3', database: process.env.LLM_DB_PATH ?? 'host-app-llm.db' },
        // The YAML ships with this app, wherever it is started from.
        configPath: join(__dirname, '..', 'llm_mgr_cfg.yaml'),
        resolveIdentity: headerIdentity(new Set((process.env.ADMIN_USER_IDS ?? '').split(',').filter(Boolean))),
      }),
    }),
  ],
  controllers: [MeController],
})
export class AppModule {}
