import Router from '@koa/router';

import type { Services } from '../services.js';
import { pageLanguage } from './language.js';

/** The provider's own pages outside any sign-in: the start page and the health checks. */
export function siteRouter(services: Services): Router {
  const router = new Router();

  router.get('/', (ctx) => {
    const lang = pageLanguage(ctx, services.config);
    const t = services.renderer.translator(lang);
    ctx.type = 'html';
    ctx.body = services.renderer.render(
      'home',
      { lang, path: ctx.url },
      {
        title: t('home.pageTitle'),
      },
    );
  });

  // Alive: the process answers. Ready: it can also reach its database.
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    try {
      await services.db.query('SELECT 1');
      ctx.body = { status: 'ok' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable' };
    }
  });

  return router;
}
