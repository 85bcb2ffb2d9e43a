import validator from 'validator';

const MAX_NAME = 100;
const MAX_EMAIL = 254;

export interface PersonalDetailsInput {
  email: string;
  emailConfirmation: string;
  firstName: string;
  lastName: string;
  language: string;
}

export interface PersonalDetails {
  email: string;
  emailKey: string;
  firstName: string | null;
  lastName: string;
  preferredLanguage: string;
}

/** A problem with one field: a catalogue key under `details.errors`. */
export interface DetailsProblem {
  field: string;
  key: string;
  values?: Record<string, number>;
}

const clean = (value: string) => value.normalize('NFC').replace(/\s+/gu, ' ').trim();

/**
 * Control and invisible formatting characters (NUL, escape sequences,
 * zero-width and direction marks): never part of a real name or address,
 * and a way to make two values look the same or to smuggle terminal codes.
 */
const INVISIBLE = /[\p{Cc}\p{Cf}]/u;

/**
 * The form an address is compared in for uniqueness: two profiles may never share it, whatever
 * the case.
 */
export function emailKey(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

/** Validates the personal-details form; returns the values to store, or the problems. */
export function checkPersonalDetails(
  input: PersonalDetailsInput,
  languages: readonly string[],
):
  | { details: PersonalDetails; problems: [] }
  | { details?: undefined; problems: DetailsProblem[] } {
  const problems: DetailsProblem[] = [];
  const email = input.email.normalize('NFC').trim();
  const confirmation = input.emailConfirmation.normalize('NFC').trim();
  const firstName = clean(input.firstName);
  const lastName = clean(input.lastName);

  if (!email) problems.push({ field: 'email', key: 'emailRequired' });
  else if (
    emailKey(email).length > MAX_EMAIL ||
    INVISIBLE.test(email) ||
    email.includes('"') ||
    !validator.isEmail(email, { allow_display_name: false, require_tld: true })
  ) {
    problems.push({ field: 'email', key: 'emailInvalid' });
  } else if (emailKey(confirmation) !== emailKey(email)) {
    problems.push({ field: 'email_confirmation', key: 'emailMismatch' });
  }
  for (const [field, value] of [
    ['first_name', firstName],
    ['last_name', lastName],
  ] as const) {
    if ([...value].length > MAX_NAME)
      problems.push({ field, key: 'nameTooLong', values: { max: MAX_NAME } });
    else if (INVISIBLE.test(value)) problems.push({ field, key: 'nameInvalid' });
  }
  if (!lastName) problems.push({ field: 'last_name', key: 'lastNameRequired' });
  if (!languages.includes(input.language))
    problems.push({ field: 'language', key: 'languageRequired' });

  if (problems.length > 0) return { problems };
  return {
    details: {
      email,
      emailKey: emailKey(email),
      firstName: firstName || null,
      lastName,
      preferredLanguage: input.language,
    },
    problems: [],
  };
}
