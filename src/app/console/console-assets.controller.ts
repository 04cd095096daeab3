import { Controller, Get, Header, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { readFile } from 'fs/promises';
import { join } from 'path';
import { LlmManagerError } from '../../llm-manager/common/llm-manager.error';

/** The console's own files: beside this file in `src/` (ts-node, jest) and copied by `nest build` into `dist/`. */
export const CONSOLE_WEB_ROOT = join(__dirname, 'web');

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  svg: 'image/svg+xml',
};
const SAFE_NAME = /^[a-z0-9][a-z0-9._-]*\.(html|css|js|svg)$/;
const SAFE_FOLDER = /^[a-z0-9_-]+$/;
// Everything the page loads is its own: no CDN, no inline script. Inline styles are allowed for chart geometry.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/**
 * Serves the web console at `/console` (M7, B4): static HTML, CSS and browser ES modules of our own, no build step.
 * The page itself holds nothing secret; it calls the REST API with the admin token the operator types in.
 */
@ApiExcludeController()
@Controller('console')
export class ConsoleAssetsController {
  @Get()
  @Header('Content-Security-Policy', CSP)
  index(@Res() res: Response): Promise<void> {
    return this.send(res, 'index.html');
  }

  @Get(':file')
  @Header('Content-Security-Policy', CSP)
  file(@Param('file') file: string, @Res() res: Response): Promise<void> {
    return this.send(res, file);
  }

  @Get(':folder/:file')
  @Header('Content-Security-Policy', CSP)
  nested(@Param('folder') folder: string, @Param('file') file: string, @Res() res: Response): Promise<void> {
    if (!SAFE_FOLDER.test(folder)) return Promise.resolve(this.notFound(res));
    return this.send(res, file, folder);
  }

  private async send(res: Response, file: string, folder?: string): Promise<void> {
    const match = SAFE_NAME.exec(file);
    if (!match) return this.notFound(res);
    let body: Buffer;
    try {
      body = await readFile(folder ? join(CONSOLE_WEB_ROOT, folder, file) : join(CONSOLE_WEB_ROOT, file));
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return this.notFound(res);
      throw error;
    }
    res.status(200).type(TYPES[match[1]]).setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.send(body);
  }

  private notFound(res: Response): void {
    const error = new LlmManagerError('NOT_FOUND', 'No such file in the console.');
    res.status(404).json({ statusCode: 404, code: error.code, message: error.message });
  }
}
