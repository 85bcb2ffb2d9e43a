import { AsyncLocalStorage } from 'node:async_hooks';

import type { Middleware } from 'koa';
import type { AdapterPayload } from 'oidc-provider';

/**
 * Stored objects read ahead for the request being handled. A token
 * lookup (code, access or refresh token) is always followed by lookups of
 * the token's grant and session; the adapter reads all three in one
 * statement and leaves the grant and session here, where the next lookup
 * of each finds them once. They live only as long as the request, so
 * nothing is shared between requests or instances, and any write through
 * the adapter drops what is left.
 */
type Rows = Map<string, AdapterPayload | undefined>;

const scope = new AsyncLocalStorage<Rows>();

/** Gives every request its own (initially empty) set of rows read ahead. */
export function requestRowsScope(): Middleware {
  return (_ctx, next) => scope.run(new Map(), next);
}

const key = (model: string, column: string, value: string) => `${model}\n${column}\n${value}`;

/** Leaves a row (or its absence) for the request's next lookup of it. */
export function leaveRow(
  model: string,
  column: string,
  value: string,
  payload: AdapterPayload | undefined,
): void {
  scope.getStore()?.set(key(model, column, value), payload);
}

/** Takes a row left by an earlier read of this request: `found` is false when there is none. */
export function takeRow(
  model: string,
  column: string,
  value: string,
): { found: boolean; payload?: AdapterPayload | undefined } {
  const rows = scope.getStore();
  const name = key(model, column, value);
  if (!rows?.has(name)) return { found: false };
  const payload = rows.get(name);
  rows.delete(name);
  return { found: true, payload };
}

/** A write happened: nothing read ahead may be used any more. */
export function dropRows(): void {
  scope.getStore()?.clear();
}
