import type { InteractionStep, StepRequest } from '../step.js';

function productName(request: StepRequest): string {
  const { client } = request.ctx.state as { client?: { clientName?: string; clientId: string } };
  return client?.clientName ?? client?.clientId ?? '';
}

/**
 * The signed-in user is not entitled to the product: a page that says so,
 * and a button back that ends the request with `access_denied`. No token is
 * issued, and the user's session is untouched.
 */
export const entitlementStep: InteractionStep = {
  async show(request) {
    const t = request.services.renderer.translator(request.lang);
    request.render('no-access', { title: t('noAccess.title'), product: productName(request) }, 403);
  },

  async submit(request) {
    await request.services.audit.record(
      {
        type: 'login.not_entitled',
        outcome: 'failure',
        userId: request.details.session?.accountId,
        clientId: String(request.details.params.client_id),
      },
      request.ctx,
    );
    await request.finish({
      error: 'access_denied',
      error_description: 'the user has no access to this product',
    });
  },
};
