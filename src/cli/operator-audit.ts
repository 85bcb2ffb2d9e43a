import { userInfo } from 'node:os';

import type { App } from '../app.js';

/** Records a change an operator made from the command line in the audit trail. */
export function recordOperatorChange(
  app: App,
  type: string,
  target: { userId?: string; clientId?: string },
): Promise<void> {
  let operator = 'unknown';
  try {
    operator = userInfo().username;
  } catch {
    // No passwd entry (some containers): the event is still recorded.
  }
  return app.services.audit.record({
    type,
    outcome: 'info',
    ...target,
    detail: { operator, via: 'cli' },
  });
}
