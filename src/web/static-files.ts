import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

import type { Middleware } from 'koa';

import { VIEWS_DIR } from '../paths.js';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Serves the few files of views/static/ under /static/, read into memory once. */
export function staticFiles(): Middleware {
  const dir = join(VIEWS_DIR, 'static');
  const files = new Map(
    readdirSync(dir)
      .filter((name) => TYPES[extname(name)])
      .map((name) => [
        `/static/${name}`,
        { body: readFileSync(join(dir, name)), type: TYPES[extname(name)] as string },
      ]),
  );

  return async (ctx, next) => {
    const file = ctx.method === 'GET' || ctx.method === 'HEAD' ? files.get(ctx.path) : undefined;
    if (!file) return next();
    ctx.type = file.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = file.body;
  };
}
