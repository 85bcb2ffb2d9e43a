import { randomBytes } from 'node:crypto';

import Router from '@koa/router';
import type { Context } from 'koa';
import type { RecoveryState } from '../db/entities/recovery-state.js';
import { formBody, formOf } from '../interactions/form-body.js';
import { errorView, passwordRules, translateProblems } from '../interactions/form-errors.js';
import type { Services } from '../services.js';
import { pageLanguage } from '../web/language.js';
import { productLink } from '../web/pages.js';

const BROWSER_COOKIE = 'idp_recovery';
const MAX_USERNAME = 64;

/**
 * The forgotten-password pages under /recovery: identify (username),
 * answer the three questions, choose a new password, back to the login.
 * Which account is recovered is only ever known from the server-side state;
 * the state works only in the browser that started it (a cookie bound to it).
 */
export function recoveryRouter(services: Services): Router {
  const { recovery, renderer, csrf, config, provider } = services;
  const router = new Router({ prefix: '/recovery', sensitive: true });

  // Mail goes to real accounts only; a decoy recovery (unknown name) has no user.
  const notifyUser = async (state: RecoveryState, kind: 'recoveryLocked' | 'passwordChanged') => {
    const user = state.userId ? await services.accounts.findById(state.userId) : null;
    if (!user) return;
    const minutes = Math.ceil(config.recovery.lockSeconds / 60);
    await services.notifier.send(kind, user, { minutes });
  };

  const browserId = (ctx: Context, create: boolean): string | undefined => {
    let id = ctx.cookies.get(BROWSER_COOKIE, { signed: false });
    if (!id && create) {
      id = randomBytes(18).toString('base64url');
      ctx.cookies.set(BROWSER_COOKIE, id, {
        path: '/recovery',
        httpOnly: true,
        sameSite: 'lax',
        secure: ctx.secure,
        signed: false,
      });
    }
    return id;
  };

  const render = (
    ctx: Context,
    lang: string,
    view: string,
    data: Record<string, unknown> & { title: string },
    status = 200,
  ) => {
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = renderer.render(view, { lang, path: ctx.url }, data);
  };

  /**
   * Where "back to the login page" leads: the sign-in the flow began from while it lasts, else
   * the product, else home.
   */
  const loginLink = async (
    interactionUid: string | null | undefined,
    clientId: string | null | undefined,
  ) => {
    if (interactionUid && (await provider.Interaction.find(interactionUid)))
      return `/interaction/${interactionUid}`;
    const client = clientId ? await provider.Client.find(clientId) : undefined;
    return productLink(client)?.url ?? '/';
  };

  const startLink = (state: Pick<RecoveryState, 'interactionUid'> | undefined) =>
    state?.interactionUid
      ? `/recovery?interaction=${encodeURIComponent(state.interactionUid)}`
      : '/recovery';

  const showEnd = async (
    ctx: Context,
    lang: string,
    kind: 'used' | 'expired' | 'done',
    state?: RecoveryState,
  ) => {
    const t = renderer.translator(lang);
    const link =
      kind === 'done'
        ? {
            url: await loginLink(state?.interactionUid, state?.clientId),
            text: t('recovery.backToLogin'),
          }
        : { url: startLink(state), text: t('recovery.startOver') };
    render(
      ctx,
      lang,
      'recovery-done',
      {
        title: t(`recovery.${kind}.title`),
        heading: t(`recovery.${kind}.heading`),
        message: t(`recovery.${kind}.message`),
        link,
      },
      kind === 'done' ? 200 : 410,
    );
  };

  /** Loads the state of /recovery/:id for this browser, or shows why it cannot continue. */
  const withState = async (
    ctx: Context,
  ): Promise<{ state: RecoveryState; lang: string } | undefined> => {
    const state = await recovery.find(String(ctx.params.id), browserId(ctx, false));
    const lang = pageLanguage(ctx, config, { uiLocales: state?.lang });
    if (!state) {
      await showEnd(ctx, lang, 'expired');
      return undefined;
    }
    return { state, lang };
  };

  // Step 1: identify.
  const showStart = async (
    ctx: Context,
    username: string,
    problems: { field: string; key: string }[],
    status = 200,
  ) => {
    const interactionUid =
      typeof ctx.query.interaction === 'string' ? ctx.query.interaction : formOf(ctx).interaction;
    const interaction = interactionUid
      ? await provider.Interaction.find(interactionUid)
      : undefined;
    const lang = pageLanguage(ctx, config, {
      uiLocales: interaction?.params.ui_locales as string | undefined,
    });
    const t = renderer.translator(lang);
    render(
      ctx,
      lang,
      'recovery-start',
      {
        title: t('recovery.start.title'),
        action: '/recovery',
        csrf: csrf.issue(`recovery:${browserId(ctx, true)}`),
        interaction: interaction ? interactionUid : undefined,
        username,
        back: await loginLink(
          interaction ? interactionUid : undefined,
          interaction?.params.client_id as string,
        ),
        ...errorView(translateProblems(t, 'recovery.start', problems)),
      },
      status,
    );
  };

  router.get('/', (ctx) => showStart(ctx, '', []));

  router.post('/', formBody, async (ctx) => {
    const form = formOf(ctx);
    const browser = browserId(ctx, false);
    if (!browser || !csrf.verify(`recovery:${browser}`, form.csrf))
      return showStart(ctx, '', [], 403);
    const username = (form.username ?? '').slice(0, MAX_USERNAME);
    if (!username.trim())
      return showStart(ctx, username, [{ field: 'username', key: 'usernameRequired' }], 400);

    const interaction = form.interaction
      ? await provider.Interaction.find(form.interaction)
      : undefined;
    const lang = pageLanguage(ctx, config, {
      uiLocales: interaction?.params.ui_locales as string | undefined,
    });
    const state = await recovery.start({
      username,
      browserId: browser,
      lang,
      interactionUid: interaction ? form.interaction : undefined,
      clientId: interaction?.params.client_id as string | undefined,
    });
    await services.audit.record(
      { type: 'recovery.started', outcome: 'info', userId: state.userId, clientId: state.clientId },
      ctx,
    );
    ctx.status = 303;
    ctx.redirect(`/recovery/${state.id}`);
  });

  // Step 2: the questions.
  const showQuestions = async (
    ctx: Context,
    state: RecoveryState,
    lang: string,
    problem?: 'failed' | 'incomplete',
  ) => {
    const t = renderer.translator(lang);
    const ids = await recovery.questionIds(state);
    render(
      ctx,
      lang,
      'recovery-questions',
      {
        title: t('recovery.questions.title'),
        action: `/recovery/${state.id}`,
        csrf: csrf.issue(`recovery:${state.id}`),
        questions: ids.map((id, i) => ({
          id: `answer_${i + 1}`,
          text: t(`questions.catalogue.${id}`),
        })),
        back: await loginLink(state.interactionUid, state.clientId),
        errors: problem
          ? [
              {
                message: t(`recovery.questions.${problem}`, {
                  minutes: Math.round(config.recovery.lockSeconds / 60),
                }),
              },
            ]
          : [],
      },
      problem ? 400 : 200,
    );
  };

  router.get('/:id', async (ctx) => {
    const found = await withState(ctx);
    if (!found) return;
    const { state, lang } = found;
    if (state.stage === 'verified') return ctx.redirect(`/recovery/${state.id}/password`);
    if (state.stage === 'done') return showEnd(ctx, lang, 'used', state);
    await showQuestions(ctx, state, lang);
  });

  router.post('/:id', formBody, async (ctx) => {
    const found = await withState(ctx);
    if (!found) return;
    const { state, lang } = found;
    const form = formOf(ctx);
    if (!csrf.verify(`recovery:${state.id}`, form.csrf) || state.stage !== 'questions') {
      return showEnd(ctx, lang, 'used', state);
    }
    const answers = [1, 2, 3].map((n) => (form[`answer_${n}`] ?? '').slice(0, 200));
    // A blank answer is a slip, not a guess: it costs no attempt.
    if (answers.some((answer) => !answer.trim()))
      return showQuestions(ctx, state, lang, 'incomplete');
    const outcome = await recovery.answer(state, answers, ctx.ip);
    await services.audit.record(
      {
        type: outcome === 'verified' ? 'recovery.answered' : `recovery.${outcome}`,
        outcome: outcome === 'verified' ? 'success' : 'failure',
        userId: state.userId,
        clientId: state.clientId,
      },
      ctx,
    );
    if (outcome === 'locked') await notifyUser(state, 'recoveryLocked');
    if (outcome !== 'verified') return showQuestions(ctx, state, lang, 'failed');
    ctx.status = 303;
    ctx.redirect(`/recovery/${state.id}/password`);
  });

  // Step 3: the new password.
  const showPassword = (
    ctx: Context,
    state: RecoveryState,
    lang: string,
    errors: ReturnType<typeof translateProblems>,
  ) => {
    const t = renderer.translator(lang);
    render(
      ctx,
      lang,
      'recovery-password',
      {
        title: t('recovery.password.title'),
        action: `/recovery/${state.id}/password`,
        csrf: csrf.issue(`recovery:${state.id}`),
        rules: passwordRules(t, services.passwords.policy),
        ...errorView(errors),
      },
      errors.length ? 400 : 200,
    );
  };

  router.get('/:id/password', async (ctx) => {
    const found = await withState(ctx);
    if (!found) return;
    const { state, lang } = found;
    if (state.stage !== 'verified')
      return showEnd(ctx, lang, state.stage === 'done' ? 'used' : 'expired', state);
    showPassword(ctx, state, lang, []);
  });

  router.post('/:id/password', formBody, async (ctx) => {
    const found = await withState(ctx);
    if (!found) return;
    const { state, lang } = found;
    const form = formOf(ctx);
    if (!csrf.verify(`recovery:${state.id}`, form.csrf) || state.stage !== 'verified') {
      return showEnd(ctx, lang, 'used', state);
    }
    const t = renderer.translator(lang);
    const password = form.new_password ?? '';
    if (!password)
      return showPassword(
        ctx,
        state,
        lang,
        translateProblems(t, 'password.errors', [{ field: 'new_password', key: 'required' }]),
      );
    if (password !== (form.new_password_repeat ?? '')) {
      return showPassword(
        ctx,
        state,
        lang,
        translateProblems(t, 'password.errors', [
          { field: 'new_password_repeat', key: 'mismatch' },
        ]),
      );
    }

    const result = await recovery.setPassword(state, password);
    if (result.outcome === 'invalid') {
      const problems = result.problems.map((p) => ({ field: 'new_password', ...p }));
      return showPassword(ctx, state, lang, translateProblems(t, 'password.errors', problems));
    }
    await services.audit.record(
      {
        type: result.outcome === 'done' ? 'recovery.succeeded' : 'recovery.link_reused',
        outcome: result.outcome === 'done' ? 'success' : 'failure',
        userId: state.userId,
        clientId: state.clientId,
      },
      ctx,
    );
    if (result.outcome === 'done') await notifyUser(state, 'passwordChanged');
    await showEnd(ctx, lang, result.outcome, state);
  });

  return router;
}
