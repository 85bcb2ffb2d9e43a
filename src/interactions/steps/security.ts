import type { PendingSteps } from '../../accounts/registration.js';
import type { ChosenQuestion } from '../../accounts/security-questions.js';
import { QUESTION_COUNT } from '../../accounts/security-questions.js';
import {
  errorView,
  type Problem,
  passwordRules,
  questionErrors,
  questionFields,
  registrationProgress,
  translateProblems,
} from '../form-errors.js';
import { type FieldError, type InteractionStep, type StepRequest, signedInUser } from '../step.js';

const POSITIONS = Array.from({ length: QUESTION_COUNT }, (_, i) => i + 1);

function showForm(
  request: StepRequest,
  pending: PendingSteps,
  chosen: string[],
  errors: FieldError[],
  status = 200,
): void {
  const t = request.services.renderer.translator(request.lang);
  const catalogue = request.services.questions.catalogue;
  const view = errorView(errors);
  // An operator's password reset is not a registration: no steps to show.
  const resetOnly = !pending.questions && !pending.details;
  const heading = resetOnly ? t('security.changeHeading') : t('security.heading');
  request.render(
    'security',
    {
      title: heading,
      heading,
      progress: resetOnly ? undefined : registrationProgress(t, 1),
      askPassword: pending.password,
      askQuestions: pending.questions,
      rules: passwordRules(t, request.services.passwords.policy),
      questions: questionFields(t, catalogue, chosen, view.fieldErrors),
      ...view,
    },
    status,
  );
}

/**
 * Step 1 of the registration ("Trin 1 – Sikkerhed"): replace the temporary
 * password and choose three security questions; whichever of the two is
 * still pending. The temporary password was just checked at sign-in, so it
 * is not asked for again. Both parts are saved in one transaction.
 */
export const securityStep: InteractionStep = {
  async show(request) {
    const user = signedInUser(request);
    showForm(request, await request.services.registration.pending(user), [], []);
  },

  async submit(request) {
    const { services, form } = request;
    const t = services.renderer.translator(request.lang);
    const user = signedInUser(request);
    const pending = await services.registration.pending(user);
    if (!pending.password && !pending.questions) {
      // Done meanwhile (another tab): nothing to write, carry on.
      await request.finish({ security: { completed: true } });
      return;
    }
    const password = form.new_password ?? '';
    const chosen: ChosenQuestion[] = POSITIONS.map((n) => ({
      questionId: form[`question_${n}`] ?? '',
      answer: form[`answer_${n}`] ?? '',
    }));

    const problems: Problem[] = [];
    if (pending.password) {
      if (!password) problems.push({ field: 'new_password', key: 'required' });
      else if (password !== (form.new_password_repeat ?? '')) {
        problems.push({ field: 'new_password_repeat', key: 'mismatch' });
      } else {
        for (const p of await services.passwords.check(user, password))
          problems.push({ field: 'new_password', ...p });
      }
    }
    const questionProblems = pending.questions
      ? services.questions.check(chosen, {
          username: user.username,
          password: pending.password ? password : undefined,
        })
      : [];

    if (problems.length > 0 || questionProblems.length > 0) {
      const errors = [
        ...translateProblems(t, 'password.errors', problems),
        ...questionErrors(t, questionProblems),
      ];
      showForm(
        request,
        pending,
        chosen.map((c) => c.questionId),
        errors,
        400,
      );
      return;
    }

    const outcome = await services.registration.saveSecurity(user, {
      ...(pending.password ? { password } : {}),
      ...(pending.questions ? { questions: chosen } : {}),
    });
    await services.audit.record(
      {
        type: 'registration.security',
        outcome: outcome === 'saved' ? 'success' : 'info',
        userId: user.id,
        clientId: String(request.details.params.client_id),
        detail: { password: pending.password, questions: pending.questions, outcome },
      },
      request.ctx,
    );
    await request.finish({ security: { completed: true } });
  },
};
