import type { DataSource } from 'typeorm';
import { openDataSource } from '../../src/llm-manager/database/data-source.factory';
import { databaseFromUrl } from '../../src/llm-manager/llm-manager.options';

/** A connection of the test process itself to the database behind `LLM_MGR_DATABASE_URL`, to look at what the CLI did. */
export function openForInspection(url: string): Promise<DataSource> {
  return openDataSource(databaseFromUrl(url));
}
