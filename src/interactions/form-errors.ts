import type { TFunction } from 'i18next';

import type { PasswordPolicy } from '../accounts/password-policy.js';
import { QUESTION_COUNT } from '../accounts/security-questions.js';
import type { FieldError } from './step.js';

/** A rule broken by one field, as the domain modules report it: a catalogue key and its values. */
export interface Problem {
  field: string;
  key: string;
  values?: Record<string, number>;
}

/**
 * Translates problems into the messages a form shows beside each field and in its error
 * summary.
 */
export function translateProblems(
  t: TFunction,
  namespace: string,
  problems: Problem[],
): FieldError[] {
  return problems.map((p) => ({
    field: p.field,
    message: t(`${namespace}.${p.key}`, p.values ?? {}),
  }));
}

/** The view data for errors: the summary list and the first message of each field. */
export function errorView(errors: FieldError[]) {
  const fieldErrors: Record<string, string> = {};
  for (const error of errors)
    if (error.field && !(error.field in fieldErrors)) fieldErrors[error.field] = error.message;
  return { errors, fieldErrors };
}

/** The registration progress shown above both steps. */
export function registrationProgress(t: TFunction, current: 1 | 2) {
  return [
    { label: t('registration.progress.security'), current: current === 1, done: current > 1 },
    { label: t('registration.progress.details'), current: current === 2, done: false },
  ];
}

/** The password rules as the "?" beside a new-password field lists them. */
export function passwordRules(t: TFunction, policy: PasswordPolicy): string[] {
  return policy.rules().map((rule) => t(`password.rules.${rule.key}`, rule.values ?? {}));
}

/** The three question-and-answer fields of a security-questions form. */
export function questionFields(
  t: TFunction,
  catalogue: readonly string[],
  chosen: readonly (string | undefined)[],
  fieldErrors: Record<string, string>,
) {
  return Array.from({ length: QUESTION_COUNT }, (_, i) => i + 1).map((n) => ({
    selectId: `question_${n}`,
    answerId: `answer_${n}`,
    label: t('security.question', { n }),
    answerLabel: t('security.answer', { n }),
    options: catalogue.map((id) => ({
      value: id,
      text: t(`questions.catalogue.${id}`),
      selected: chosen[n - 1] === id,
    })),
    questionError: fieldErrors[`question_${n}`],
    answerError: fieldErrors[`answer_${n}`],
  }));
}

/**
 * Messages for the security-question rules. The three questions share the
 * same messages, so each line of the error summary says which one it is about.
 */
export function questionErrors(t: TFunction, problems: Problem[]): FieldError[] {
  return translateProblems(t, 'questions.errors', problems).map((error) => {
    const [kind, n] = (error.field ?? '').split('_');
    const label = t(kind === 'question' ? 'security.question' : 'security.answer', { n });
    return { ...error, summary: `${label}: ${error.message}` };
  });
}
