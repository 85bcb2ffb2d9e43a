import { bodyParser } from '@koa/bodyparser';
import type { Context, Middleware } from 'koa';

import { AppError } from '../errors.js';

const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '32kb', encoding: 'utf-8' });

/** Parses form posts; a body that cannot be read (bad encoding, broken compression) is a 400. */
export const formBody: Middleware = async (ctx, next) => {
  let parsed = false;
  try {
    await parseForm(ctx, async () => {
      parsed = true;
      await next();
    });
  } catch (error) {
    if (parsed || (error as { status?: number }).status) throw error;
    throw new AppError('request.unreadable', 'the form body could not be read', { status: 400 });
  }
};

export function formOf(ctx: Context): Record<string, string> {
  const body = (ctx.request as { body?: unknown }).body;
  if (typeof body !== 'object' || body === null) return {};
  // A field sent twice arrives as an array; only plain single values count.
  return Object.fromEntries(
    Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
