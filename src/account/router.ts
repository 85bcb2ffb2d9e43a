import { randomBytes } from 'node:crypto';

import Router from '@koa/router';
import type { Context } from 'koa';

import { QUESTION_COUNT } from '../accounts/security-questions.js';
import type { User } from '../db/entities/user.js';
import { formBody, formOf } from '../interactions/form-body.js';
import {
  errorView,
  passwordRules,
  questionErrors,
  questionFields,
  translateProblems,
} from '../interactions/form-errors.js';
import type { FieldError } from '../interactions/step.js';
import { startPagesOf } from '../oidc/client-metadata.js';
import { ClientStore } from '../oidc/client-store.js';
import { ACCOUNT_CLIENT_ID } from '../oidc/provider.js';
import type { Services } from '../services.js';
import { pageLanguage } from '../web/language.js';
import { renderErrorPage } from '../web/pages.js';
import { countryOptions } from './countries.js';
import { Profile, type ProfileFields } from './profile.js';

const STATE_COOKIE = 'idp_account_state';
const POSITIONS = Array.from({ length: QUESTION_COUNT }, (_, i) => i + 1);
/** Sections of the profile form and the fields each sends. */
const SECTIONS: Record<string, (keyof ProfileFields)[]> = {
  email: ['email', 'email_confirmation'],
  names: ['first_name', 'last_name'],
  language: ['language'],
  preferences: ['default_country', 'start_page'],
};

interface SignedIn {
  user: User;
  sessionUid: string;
  /** The last real sign-in, in seconds since the epoch. */
  authTime: number;
  lang: string;
}

interface PageState {
  values?: Record<string, string>;
  errors?: FieldError[];
  saved?: string;
  endOtherSessions?: boolean;
}

/**
 * The profile page at /account. It reads the provider's own session: a
 * browser without one (or whose user still has a sign-in step to finish) is
 * sent through the provider's sign-in as the built-in first-party client
 * `idp-account` (response type `none`: no code or token, only the session),
 * and comes back here. Each section is its own form and "Gem" saves only
 * that section.
 */
export function accountRouter(services: Services): Router {
  const { config, renderer, csrf, provider, audit, notifier } = services;
  const profile = new Profile(
    services.db,
    services.passwords,
    services.questions,
    config.languages.supported,
  );
  const router = new Router({ prefix: '/account', sensitive: true });

  const signedIn = async (ctx: Context): Promise<SignedIn | undefined> => {
    const session = await provider.Session.get(ctx);
    const accountId = session.accountId;
    if (!accountId) return undefined;
    const user = await services.accounts.findById(accountId);
    if (user?.status !== 'active') return undefined;
    const pending = await services.registration.pending(user);
    if (pending.password || pending.questions || pending.details || services.expiry.isExpired(user))
      return undefined;
    const lang = pageLanguage(ctx, config, { preferred: user.preferredLanguage });
    return { user, sessionUid: session.uid, authTime: session.authTime() ?? 0, lang };
  };

  const startSignIn = (ctx: Context) => {
    const state = randomBytes(18).toString('base64url');
    ctx.cookies.set(STATE_COOKIE, state, {
      path: '/account',
      httpOnly: true,
      sameSite: 'lax',
      secure: ctx.secure,
      signed: false,
      maxAge: 3_600_000,
    });
    const query = new URLSearchParams({
      client_id: ACCOUNT_CLIENT_ID,
      response_type: 'none',
      scope: 'openid',
      redirect_uri: `${config.issuer}/account/callback`,
      state,
      ui_locales: pageLanguage(ctx, config),
    });
    ctx.status = 303;
    ctx.redirect(`/auth?${query}`);
  };

  const recentlySignedIn = (who: SignedIn) =>
    Date.now() / 1000 - who.authTime <= config.profile.recentSignInSeconds;

  const startPageOptions = async (lang: string, chosen: string | null) => {
    const clients = await new ClientStore(services.db, provider).list();
    return clients.flatMap((client) =>
      startPagesOf(client).map((page) => ({
        value: page.id,
        text: `${client.client_name ?? client.client_id}: ${
          page.label[lang] ?? page.label[config.languages.default] ?? page.id
        }`,
        selected: page.id === chosen,
      })),
    );
  };

  const show = async (ctx: Context, who: SignedIn, state: PageState = {}, status = 200) => {
    const { user, lang } = who;
    const t = renderer.translator(lang);
    const values = state.values ?? {};
    const stored = (name: string, fallback: string | null) =>
      name in values ? values[name] : (fallback ?? '');
    const chosenLanguage = stored('language', user.preferredLanguage);
    const chosenCountry = stored('default_country', user.defaultCountry);
    const chosenPage = stored('start_page', user.startPage);
    const view = errorView(state.errors ?? []);
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = renderer.render(
      'account',
      { lang, path: ctx.url },
      {
        title: t('account.title'),
        username: user.username,
        csrf: csrf.issue(`account:${who.sessionUid}`),
        saved: state.saved,
        askCurrentPassword: !recentlySignedIn(who),
        endOtherSessions: state.endOtherSessions ?? true,
        values: {
          email: stored('email', user.email),
          email_confirmation: stored('email_confirmation', user.email),
          first_name: stored('first_name', user.firstName),
          last_name: stored('last_name', user.lastName),
        },
        languages: config.languages.supported.map((code) => ({
          value: code,
          text: renderer.translator(code)('language.name'),
          selected: code === chosenLanguage,
        })),
        countries: countryOptions(lang).map((c) => ({ ...c, selected: c.value === chosenCountry })),
        startPages: await startPageOptions(lang, chosenPage || null),
        rules: passwordRules(t, services.passwords.policy),
        questions: questionFields(
          t,
          services.questions.catalogue,
          POSITIONS.map((n) => values[`question_${n}`]),
          view.fieldErrors,
        ),
        signOutUrl: `/session/end?${new URLSearchParams({
          client_id: ACCOUNT_CLIENT_ID,
          post_logout_redirect_uri: `${config.issuer}/`,
          ui_locales: lang,
        })}`,
        ...view,
      },
    );
  };

  /** The signed-in user behind a form post with a valid token, or undefined (answered). */
  const formUser = async (ctx: Context): Promise<SignedIn | undefined> => {
    const who = await signedIn(ctx);
    if (!who) {
      ctx.status = 303;
      ctx.redirect('/account');
      return undefined;
    }
    if (!csrf.verify(`account:${who.sessionUid}`, formOf(ctx).csrf)) {
      const t = renderer.translator(who.lang);
      ctx.status = 403;
      ctx.type = 'html';
      ctx.body = renderer.render(
        'error',
        { lang: who.lang, path: ctx.url },
        { title: t('error.title'), heading: t('error.title'), message: t('error.csrf') },
      );
      return undefined;
    }
    return who;
  };

  /**
   * The current password, when the section needs it: checked through the
   * sign-in guard, so guesses here count toward the same lock as at sign-in.
   */
  const currentPasswordProblem = async (
    ctx: Context,
    who: SignedIn,
    fieldId: string,
  ): Promise<FieldError | undefined> => {
    const t = renderer.translator(who.lang);
    const current = formOf(ctx).current_password ?? '';
    if (!current) return { field: fieldId, message: t('account.errors.currentRequired') };
    const result = await services.signIn.signIn(who.user.username, current.slice(0, 1024));
    if (result.user) return undefined;
    await audit.record(
      { type: 'profile.password_check_failed', outcome: 'failure', userId: who.user.id },
      ctx,
    );
    if (result.lockedNow) {
      const minutes = Math.ceil((result.lockSeconds ?? 0) / 60);
      await notifier.send('signInLocked', who.user, { minutes });
    }
    return { field: fieldId, message: t('account.errors.currentInvalid') };
  };

  const saved = (ctx: Context, key: string, anchor: string) => {
    ctx.status = 303;
    ctx.redirect(`/account?saved=${key}#${anchor}`);
  };

  router.get('/', async (ctx) => {
    const who = await signedIn(ctx);
    if (!who) return startSignIn(ctx);
    const key = typeof ctx.query.saved === 'string' ? ctx.query.saved : '';
    const messages: Record<string, string> = {
      details: 'account.saved',
      password: 'account.savedPassword',
      passwordSessions: 'account.savedPasswordSessions',
      questions: 'account.savedQuestions',
    };
    const message = messages[key];
    await show(ctx, who, message ? { saved: renderer.translator(who.lang)(message) } : {});
  });

  router.get('/callback', async (ctx) => {
    const expected = ctx.cookies.get(STATE_COOKIE, { signed: false });
    ctx.cookies.set(STATE_COOKIE, null, { path: '/account' });
    if (typeof ctx.query.error === 'string' && ctx.query.state === expected) {
      return renderErrorPage(ctx, services, 400);
    }
    ctx.status = 303;
    ctx.redirect('/account');
  });

  router.post('/profile', formBody, async (ctx) => {
    const who = await formUser(ctx);
    if (!who) return;
    const form = formOf(ctx);
    const t = renderer.translator(who.lang);
    const section = SECTIONS[form.section ?? ''] ? (form.section as string) : undefined;
    // A field the form does not send stays as it is; a known section limits
    // the fields to its own, so a tampered form cannot slip others in.
    const allowed = section ? (SECTIONS[section] as string[]) : Object.values(SECTIONS).flat();
    const fields = Object.fromEntries(
      Object.entries(form).filter(([name]) => allowed.includes(name)),
    ) as ProfileFields;
    const values = { ...fields } as Record<string, string>;

    if (fields.email !== undefined && fields.email.trim() !== (who.user.email ?? '')) {
      if (!recentlySignedIn(who)) {
        const problem = await currentPasswordProblem(ctx, who, 'email_current_password');
        if (problem) return show(ctx, who, { values, errors: [problem] }, 400);
      }
    }

    const pages = (await startPageOptions(who.lang, null)).map((option) => option.value);
    const result = await profile.updateDetails(who.user, fields, pages);
    if (result.outcome === 'invalid') {
      const errors = translateProblems(t, 'details.errors', result.problems).map((error) =>
        error.field === 'email' ? { ...error, field: 'email_address' } : error,
      );
      return show(ctx, who, { values, errors }, 400);
    }
    if (result.changed.length > 0) {
      await audit.record(
        {
          type: 'profile.changed',
          outcome: 'success',
          userId: who.user.id,
          detail: { fields: result.changed.join(',') },
        },
        ctx,
      );
      if (result.changed.includes('email')) {
        await notifier.send('emailChanged', result.user, {}, { to: result.previousEmail });
      }
    }
    saved(ctx, 'details', section === 'language' ? 'language-section' : (section ?? 'main'));
  });

  router.post('/password', formBody, async (ctx) => {
    const who = await formUser(ctx);
    if (!who) return;
    const form = formOf(ctx);
    const t = renderer.translator(who.lang);
    const endOthers = form.end_other_sessions === 'yes';
    const state = { endOtherSessions: endOthers };

    const problem = await currentPasswordProblem(ctx, who, 'password_current_password');
    if (problem) return show(ctx, who, { ...state, errors: [problem] }, 400);

    const password = form.new_password ?? '';
    const problems: { field: string; key: string; values?: Record<string, number> }[] = [];
    if (!password) problems.push({ field: 'new_password', key: 'required' });
    else if (password !== (form.new_password_repeat ?? '')) {
      problems.push({ field: 'new_password_repeat', key: 'mismatch' });
    } else {
      for (const p of await profile.checkPassword(who.user, password)) {
        problems.push({ field: 'new_password', ...p });
      }
    }
    if (problems.length > 0) {
      return show(
        ctx,
        who,
        { ...state, errors: translateProblems(t, 'password.errors', problems) },
        400,
      );
    }

    // Re-read: the current-password check may have upgraded the stored hash.
    const user = (await services.accounts.findById(who.user.id)) ?? who.user;
    const changed = await profile.changePassword(user, password);
    const ended =
      changed && endOthers ? await profile.endOtherSessions(user.id, who.sessionUid) : 0;
    await audit.record(
      {
        type: 'profile.password_changed',
        outcome: changed ? 'success' : 'info',
        userId: user.id,
        detail: { endedOtherSessions: endOthers, records: ended },
      },
      ctx,
    );
    if (changed) await notifier.send('passwordChanged', user);
    saved(ctx, endOthers ? 'passwordSessions' : 'password', 'password');
  });

  router.post('/questions', formBody, async (ctx) => {
    const who = await formUser(ctx);
    if (!who) return;
    const form = formOf(ctx);
    const t = renderer.translator(who.lang);
    const chosen = POSITIONS.map((n) => ({
      questionId: form[`question_${n}`] ?? '',
      answer: (form[`answer_${n}`] ?? '').slice(0, 1000),
    }));
    const values = Object.fromEntries(
      POSITIONS.map((n) => [`question_${n}`, chosen[n - 1]?.questionId ?? '']),
    );

    const errors = questionErrors(t, profile.checkQuestions(who.user, chosen));
    if (errors.length > 0) return show(ctx, who, { values, errors }, 400);
    if (!recentlySignedIn(who)) {
      const problem = await currentPasswordProblem(ctx, who, 'questions_current_password');
      if (problem) return show(ctx, who, { values, errors: [problem] }, 400);
    }

    await profile.changeQuestions(who.user, chosen);
    await audit.record(
      { type: 'profile.questions_changed', outcome: 'success', userId: who.user.id },
      ctx,
    );
    await notifier.send('questionsChanged', who.user);
    saved(ctx, 'questions', 'questions');
  });

  return router;
}
