import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Controller, Get, NotFoundException, Param, Res } from '@nestjs/common';
import type { Response } from 'express';

/** The only files served, by name: nothing from the request reaches the file system. */
const FILES: Record<string, { file: string; type: string }> = {
  'console.html': { file: 'console.html', type: 'text/html; charset=utf-8' },
  'console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  'console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
  'dashboard.js': { file: 'dashboard.js', type: 'text/javascript; charset=utf-8' },
  'dashboard.css': { file: 'dashboard.css', type: 'text/css; charset=utf-8' },
};

const STATIC_DIR = join(__dirname, 'static');

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The agent console: a static single-page app. The files are public; the page asks for an API key
 * and every API call it makes carries it. A strict CSP keeps customer text from ever running as code.
 */
@Controller('console')
export class ConsoleController {
  @Get()
  async page(@Res() res: Response): Promise<void> {
    await send(res, FILES['console.html']!);
  }

  @Get(':file')
  async asset(@Param('file') name: string, @Res() res: Response): Promise<void> {
    const entry = Object.hasOwn(FILES, name) && name !== 'console.html' ? FILES[name] : undefined;
    if (!entry) throw new NotFoundException({ error: 'not_found', message: 'No such file' });
    await send(res, entry);
  }
}

async function send(res: Response, entry: { file: string; type: string }): Promise<void> {
  const body = await readFile(join(STATIC_DIR, entry.file));
  res
    .status(200)
    .set({
      'Content-Type': entry.type,
      'Content-Security-Policy': CONTENT_SECURITY_POLICY,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'no-store',
      'Referrer-Policy': 'no-referrer',
    })
    .send(body);
}
