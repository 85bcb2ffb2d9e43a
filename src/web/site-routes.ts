import Router from '@koa/router';

import { descriptionOf } from '../oidc/client-metadata.js';
import { ClientStore } from '../oidc/client-store.js';
import type { Services } from '../services.js';
import { pageLanguage } from './language.js';

/** The provider's own pages outside any sign-in: the start page and the health checks. */
export function siteRouter(services: Services): Router {
  const router = new Router({ sensitive: true, strict: true });

  // The start page shows a tile for every product with a start URL, as the
  // products' common login page did: name, one line about it, a link.
  router.get('/', async (ctx) => {
    const session = await services.provider.Session.get(ctx);
    const user = session.accountId ? await services.accounts.findById(session.accountId) : null;
    const lang = pageLanguage(ctx, services.config, { preferred: user?.preferredLanguage });
    const t = services.renderer.translator(lang);
    const clients = await new ClientStore(services.db, services.provider).list();
    const products = clients
      .filter((client) => typeof client.client_uri === 'string')
      .map((client) => ({
        name: String(client.client_name ?? client.client_id),
        description: descriptionOf(client, lang, services.config.languages.default),
        url: client.client_uri as string,
      }))
      .sort((a, b) => a.name.localeCompare(b.name, lang));
    ctx.type = 'html';
    ctx.body = services.renderer.render(
      'home',
      { lang, path: ctx.url },
      { title: t('home.pageTitle'), products },
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
