/**
 * P6's gateway in a process of its own: the standalone server (`createApp`, as `node dist/app/main.js` builds it) on
 * a temp folder, its system platform on the parent's fake upstream. Started by p6-gateway.bench.ts with `fork()`;
 * speaks over IPC: sends `{ port, token }` once listening, answers `{ rows, errors }` to `'rows'` (usage rows of the
 * bench user once every call is written, and how many of them failed), answers `process.cpuUsage()` to `'cpu'`, closes on `'close'`. `node --cpu-prof` on this process profiles the gateway alone.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app/create-app';
import { ApiTokenService } from '../src/llm-manager/api-tokens/api-token.service';
import { CallRecorder } from '../src/llm-manager/builder/call-recorder';
import { UsageQueryService } from '../src/llm-manager/usage/usage-query.service';
import { UsageWriter } from '../src/llm-manager/usage/usage-writer';
import { SYSTEM_KEY, SYSTEM_KEY_ENV, upstreamYaml } from '../test/support/upstream-yaml';

export const P6_USER = 'p6-user';
const quiet = { log: () => {}, error: () => {}, warn: () => {}, debug: () => {}, verbose: () => {} };

async function main(): Promise<void> {
  const upstreamUrl = process.argv[2];
  if (!upstreamUrl || !process.send) throw new Error('usage: fork(p6-gateway-server.ts, [upstreamUrl]) with IPC');
  const dir = mkdtempSync(join(tmpdir(), 'llm-mgr-p6-'));
  writeFileSync(join(dir, 'llm_mgr_cfg.yaml'), upstreamYaml(upstreamUrl));
  const env = {
    LLM_MGR_ADMIN_TOKEN: 'llma_p6-bench-admin-token-0123456789abcdef',
    [SYSTEM_KEY_ENV]: SYSTEM_KEY,
    LLM_AUTO_KEY: 'true',
    LLM_ALLOW_PRIVATE_BASE_URLS: 'true',
    PATH: process.env.PATH,
  };
  const { app } = await createApp({ cwd: dir, env, logger: quiet });
  app.enableShutdownHooks();
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  const { token } = await app.get(ApiTokenService).issue(P6_USER, 'bench');
  process.on('message', (message: unknown) => {
    void (async () => {
      if (message === 'cpu') {
        process.send!(process.cpuUsage());
      } else if (message === 'rows') {
        await app.get(CallRecorder).drain();
        await app.get(UsageWriter).flush();
        const { requests, errors } = await app.get(UsageQueryService).summary({ userId: P6_USER });
        process.send!({ rows: requests, errors });
      } else if (message === 'close') {
        await app.close();
        rmSync(dir, { recursive: true, force: true });
        process.disconnect();
      }
    })().catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
  });
  process.send({ port, token });
}

main().catch((error: unknown) => {
  console.error('p6 gateway server failed:', error);
  process.exit(1);
});
