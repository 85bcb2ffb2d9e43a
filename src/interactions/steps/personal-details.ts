import { checkPersonalDetails } from '../../accounts/personal-details.js';
import { errorView, registrationProgress, translateProblems } from '../form-errors.js';
import { type FieldError, type InteractionStep, type StepRequest, signedInUser } from '../step.js';

interface Values {
  email: string;
  email_confirmation: string;
  first_name: string;
  last_name: string;
  language: string;
}

function showForm(request: StepRequest, values: Values, errors: FieldError[], status = 200): void {
  const { services } = request;
  const t = services.renderer.translator(request.lang);
  const englishOnly = services.config.registration.englishOnlyProducts;
  request.render(
    'personal-details',
    {
      title: t('details.title'),
      progress: registrationProgress(t, 2),
      values,
      languages: services.config.languages.supported.map((code) => ({
        value: code,
        text: services.renderer.translator(code)('language.name'),
        selected: code === values.language,
      })),
      englishOnlyNote: englishOnly.length
        ? t('details.englishOnly', {
            products: new Intl.ListFormat(request.lang, { type: 'conjunction' }).format(
              englishOnly,
            ),
          })
        : undefined,
      ...errorView(errors),
    },
    status,
  );
}

/**
 * Step 2 of the registration ("Punkt 2 af 2 - Personlige oplysninger"):
 * email typed twice, names and preferred language. An address another
 * profile uses is refused, whatever its case.
 */
export const personalDetailsStep: InteractionStep = {
  async show(request) {
    const user = signedInUser(request);
    showForm(
      request,
      {
        email: user.email ?? '',
        email_confirmation: user.email ?? '',
        first_name: user.firstName ?? '',
        last_name: user.lastName ?? '',
        language: user.preferredLanguage ?? request.lang,
      },
      [],
    );
  },

  async submit(request) {
    const { services, form } = request;
    const t = services.renderer.translator(request.lang);
    const user = signedInUser(request);
    if (!(await services.registration.pending(user)).details) {
      // Completed meanwhile (another tab): a stale form must not overwrite the profile.
      await request.finish({ personal_details: { completed: true } });
      return;
    }
    const values: Values = {
      email: form.email ?? '',
      email_confirmation: form.email_confirmation ?? '',
      first_name: form.first_name ?? '',
      last_name: form.last_name ?? '',
      language: form.language ?? '',
    };

    const checked = checkPersonalDetails(
      {
        email: values.email,
        emailConfirmation: values.email_confirmation,
        firstName: values.first_name,
        lastName: values.last_name,
        language: values.language,
      },
      services.config.languages.supported,
    );
    if (!checked.details) {
      showForm(request, values, translateProblems(t, 'details.errors', checked.problems), 400);
      return;
    }

    const outcome = await services.registration.saveDetails(user, checked.details);
    if (outcome === 'email-taken') {
      const errors = translateProblems(t, 'details.errors', [
        { field: 'email', key: 'emailTaken' },
      ]);
      showForm(request, values, errors, 400);
      return;
    }
    await services.audit.record(
      {
        type: 'registration.details',
        outcome: 'success',
        userId: user.id,
        clientId: String(request.details.params.client_id),
      },
      request.ctx,
    );
    await request.finish({ personal_details: { completed: true } });
  },
};
