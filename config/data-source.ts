import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { resolveStandaloneConfig } from '../src/app/standalone-config';
import { createDataSource } from '../src/llm-manager/database/data-source.factory';
import { createPrivateSqliteFile } from '../src/llm-manager/database/private-sqlite-file';
import { DEFAULT_DATABASE } from '../src/llm-manager/llm-manager.options';

/**
 * The DataSource of the TypeORM CLI (`npm run migration:run|revert|show|generate`): the database the standalone
 * server started in the same folder would open — `LLM_MGR_DATABASE_URL` from the environment or that folder's `.env`
 * (the environment wins), else the SQLite file `llm_config.db` there — with llm-mgr's entities, migrations and
 * migrations table (`llm_mgr_migrations`). The folder is where `npm run` was typed (npm's `INIT_CWD`), not the
 * package folder npm moves to.
 */
const folder = process.env.INIT_CWD ?? process.cwd();
const { llmManager } = resolveStandaloneConfig({ cwd: folder });

const database = llmManager.database ?? DEFAULT_DATABASE;
// A SQLite file the CLI creates is as private as the one the server creates (0600).
createPrivateSqliteFile(database);
const dataSource: DataSource = createDataSource(database);
export default dataSource;
