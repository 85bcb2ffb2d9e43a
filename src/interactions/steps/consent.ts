import type { InteractionStep, StepRequest } from '../step.js';

interface ConsentDetails {
  missingOIDCScope?: string[];
  missingOIDCClaims?: string[];
  missingResourceScopes?: Record<string, string[]>;
}

function consentDetails(request: StepRequest): ConsentDetails {
  return request.details.prompt.details as ConsentDetails;
}

/** Asks the user whether a product that is not first-party may have the scopes it requests. */
export const consentStep: InteractionStep = {
  async show(request) {
    const t = request.services.renderer.translator(request.lang);
    const { client } = request.ctx.state as { client?: { clientName?: string; clientId: string } };
    const missing = consentDetails(request);
    request.render('consent', {
      title: t('consent.title'),
      clientName: client?.clientName ?? client?.clientId,
      scopes: (missing.missingOIDCScope ?? []).map((scope) =>
        t(`consent.scopes.${scope}`, { defaultValue: scope }),
      ),
      // Claims asked for one by one (the `claims` parameter) are listed too:
      // the user sees everything the product will receive.
      claims: (missing.missingOIDCClaims ?? []).map((claim) =>
        t(`consent.claims.${claim}`, { defaultValue: claim }),
      ),
    });
  },

  async submit(request) {
    const { provider, audit } = request.services;
    const { details } = request;
    const accountId = details.session?.accountId;
    const clientId = details.params.client_id as string;

    if (request.form.decision !== 'allow') {
      await audit.record(
        { type: 'consent.denied', outcome: 'info', userId: accountId, clientId },
        request.ctx,
      );
      await request.finish({
        error: 'access_denied',
        error_description: 'End-User denied the consent',
      });
      return;
    }

    const grant = details.grantId
      ? ((await provider.Grant.find(details.grantId)) ??
        new provider.Grant({ accountId, clientId }))
      : new provider.Grant({ accountId, clientId });

    const missing = consentDetails(request);
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }

    const grantId = await grant.save();
    await audit.record(
      { type: 'consent.given', outcome: 'success', userId: accountId, clientId },
      request.ctx,
    );
    await request.finish({ consent: { grantId } });
  },
};
