import type { FieldError, InteractionStep, StepRequest } from '../step.js';

const MAX_USERNAME = 64;
const MAX_PASSWORD = 1024;

function clientName(request: StepRequest): string | undefined {
  const { client } = request.ctx.state as { client?: { clientName?: string } };
  return client?.clientName;
}

function showForm(
  request: StepRequest,
  username: string,
  errors: FieldError[],
  status = 200,
): void {
  const t = request.services.renderer.translator(request.lang);
  request.render(
    'login',
    {
      title: t('login.title'),
      clientName: clientName(request),
      recoveryUrl: `/recovery?interaction=${encodeURIComponent(request.details.uid)}`,
      username,
      errors,
      fieldErrors: Object.fromEntries(
        errors.filter((e) => e.field).map((e) => [e.field, e.message]),
      ),
    },
    status,
  );
}

/**
 * The sign-in form. A wrong password, an unknown username and a disabled
 * account all get one message and cost one password-hash verification.
 */
export const loginStep: InteractionStep = {
  async show(request) {
    showForm(request, '', []);
  },

  async submit(request) {
    const t = request.services.renderer.translator(request.lang);
    const username = (request.form.username ?? '').slice(0, MAX_USERNAME);
    const password = request.form.password ?? '';

    if (!username.trim() || !password) {
      const missing = [!username.trim() && 'username', !password && 'password'].filter(
        (field): field is string => Boolean(field),
      );
      const errors = missing.map((field) => ({ field, message: t(`login.${field}Required`) }));
      showForm(request, username, errors, 400);
      return;
    }

    const result = await request.services.signIn.signIn(
      username,
      password.slice(0, MAX_PASSWORD + 1),
    );
    const { audit, accounts } = request.services;
    const clientId = String(request.details.params.client_id);
    if (!result.user) {
      // The failure is recorded against the account when the name exists, so
      // operators see who is being guessed at; the page says the same either way.
      const known = await accounts.findByUsername(username);
      const userId = known?.id ?? null;
      await audit.record(
        { type: 'login.failed', outcome: 'failure', userId, clientId },
        request.ctx,
      );
      if (result.lockedNow) {
        await audit.record(
          { type: 'login.locked', outcome: 'failure', userId, clientId },
          request.ctx,
        );
        if (known) {
          const minutes = Math.ceil((result.lockSeconds ?? 0) / 60);
          await request.services.notifier.send('signInLocked', known, { minutes });
        }
      }
      showForm(request, username, [{ field: 'password', message: t('login.invalid') }], 400);
      return;
    }
    const user = result.user;

    await audit.record(
      { type: 'login.succeeded', outcome: 'success', userId: user.id, clientId },
      request.ctx,
    );
    await request.finish({ login: { accountId: user.id, amr: ['pwd'] } });
  },
};
