import Router from '@koa/router';
import type { Context } from 'koa';
import { errors } from 'oidc-provider';

import type { User } from '../db/entities/user.js';
import type { Services } from '../services.js';
import { pageLanguage } from '../web/language.js';
import { renderExpired } from '../web/pages.js';
import { formBody, formOf } from './form-body.js';
import { STEPS } from './pipeline.js';
import type { InteractionDetails, InteractionStep, StepRequest } from './step.js';

type Phase = 'show' | 'submit';

async function loadDetails(
  ctx: Context,
  services: Services,
): Promise<InteractionDetails | undefined> {
  try {
    const details = await services.provider.interactionDetails(ctx.req, ctx.res);
    return details.uid === ctx.params.uid ? details : undefined;
  } catch (error) {
    if (error instanceof errors.SessionNotFound) return undefined;
    throw error;
  }
}

function stepRequest(
  ctx: Context,
  services: Services,
  details: InteractionDetails,
  lang: string,
  user: User | null,
): StepRequest {
  const action = `/interaction/${details.uid}`;
  return {
    ctx,
    details,
    services,
    lang,
    user,
    form: formOf(ctx),
    render(view, data, status = 200) {
      ctx.status = status;
      ctx.type = 'html';
      ctx.body = services.renderer.render(
        view,
        { lang, path: ctx.url },
        { ...data, action, csrf: services.csrf.issue(details.uid) },
      );
    },
    // What oidc-provider's interactionResult does, on the interaction this
    // request already read (and checked against the session) instead of a
    // second read of it.
    async finish(result, merge = false) {
      details.result =
        merge && !('error' in result) ? { ...details.lastSubmission, ...result } : result;
      await details.save(details.exp - Math.floor(Date.now() / 1000));
      ctx.redirect(details.returnTo);
      ctx.status = 303;
    },
  };
}

/**
 * Serves the pages of the interaction pipeline at /interaction/:uid. Which
 * step runs is decided by oidc-provider (see pipeline.ts), never by the URL:
 * a form can only ever complete the prompt that is current.
 */
export function interactionRouter(services: Services): Router {
  const router = new Router({ sensitive: true, strict: true });

  const handle = (phase: Phase) => async (ctx: Context) => {
    const details = await loadDetails(ctx, services);
    if (!details) {
      await renderExpired(ctx, services, formOf(ctx).client_id ?? ctx.query.client_id);
      return;
    }

    const clientId = String(details.params.client_id);
    ctx.state.client = await services.provider.Client.find(clientId);
    // After the sign-in, the user's own preferred language counts too.
    const accountId = details.session?.accountId;
    const user = accountId ? await services.accounts.findById(accountId) : null;
    const lang = pageLanguage(ctx, services.config, {
      uiLocales: details.params.ui_locales as string,
      preferred: user?.preferredLanguage,
    });
    const step: InteractionStep | undefined = STEPS[details.prompt.name];
    if (!step) throw new Error(`no step handles the prompt "${details.prompt.name}"`);

    const request = stepRequest(ctx, services, details, lang, user);
    if (phase === 'show') return step.show(request);

    if (!services.csrf.verify(details.uid, request.form.csrf)) {
      services.logger.warn(
        { event: 'csrf.rejected', interaction: details.uid },
        'form token rejected',
      );
      const t = services.renderer.translator(lang);
      request.render(
        'error',
        { title: t('error.title'), heading: t('error.title'), message: t('error.csrf') },
        403,
      );
      return;
    }
    return step.submit(request);
  };

  router.get('/interaction/:uid', handle('show'));
  router.post('/interaction/:uid', formBody, handle('submit'));
  return router;
}
