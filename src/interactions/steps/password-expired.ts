import { errorView, type Problem, passwordRules, translateProblems } from '../form-errors.js';
import { type FieldError, type InteractionStep, type StepRequest, signedInUser } from '../step.js';

function showForm(request: StepRequest, errors: FieldError[], status = 200): void {
  const t = request.services.renderer.translator(request.lang);
  const heading = t('expired.title');
  request.render(
    'password-expired',
    {
      title: heading,
      heading,
      intro: t('expired.intro', { days: request.services.config.passwordExpiry.maxAgeDays }),
      rules: passwordRules(t, request.services.passwords.policy),
      ...errorView(errors),
    },
    status,
  );
}

/**
 * The password is older than the configured maximum (or an operator expired
 * it): a new one under the same policy and history before any product gets
 * a token. The password was just checked at sign-in, so it is not asked for
 * again. Leaving the page leaves the password expired.
 */
export const passwordExpiredStep: InteractionStep = {
  async show(request) {
    showForm(request, []);
  },

  async submit(request) {
    const { services, form } = request;
    const t = services.renderer.translator(request.lang);
    const user = signedInUser(request);
    if (!services.expiry.isExpired(user)) {
      // Changed meanwhile (another tab): carry on.
      await request.finish({ password_expired: { completed: true } });
      return;
    }

    const password = form.new_password ?? '';
    const problems: Problem[] = [];
    if (!password) problems.push({ field: 'new_password', key: 'required' });
    else if (password !== (form.new_password_repeat ?? '')) {
      problems.push({ field: 'new_password_repeat', key: 'mismatch' });
    } else {
      for (const p of await services.passwords.check(user, password)) {
        problems.push({ field: 'new_password', ...p });
      }
    }
    if (problems.length > 0) {
      showForm(request, translateProblems(t, 'password.errors', problems), 400);
      return;
    }

    const passwordHash = await services.passwords.hash(password);
    const replaced = await services.db.transaction((manager) =>
      services.passwords.replace(manager, user, password, { passwordHash }),
    );
    await services.audit.record(
      {
        type: 'password.expired_changed',
        outcome: replaced ? 'success' : 'info',
        userId: user.id,
        clientId: String(request.details.params.client_id),
      },
      request.ctx,
    );
    if (replaced) await services.notifier.send('passwordChanged', user);
    await request.finish({ password_expired: { completed: true } });
  },
};
