import type { TFunction } from 'i18next';

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
