import { AsyncLocalStorage } from 'node:async_hooks';

import type { DataSource, QueryRunner } from 'typeorm';

/**
 * TypeORM drives better-sqlite3 through one shared connection. Two requests
 * that each open a transaction would otherwise end up in one SQLite
 * transaction (the second as a savepoint of the first), and a plain query
 * issued meanwhile would be rolled back with someone else's transaction.
 * This puts every transaction, and every query outside one, in a single
 * queue, so each transaction has the connection to itself. SQLite runs one
 * statement at a time anyway, so nothing is lost.
 */
export function serializeSqlite(db: DataSource): void {
  const inTransaction = new AsyncLocalStorage<true>();
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(work: () => Promise<T>): Promise<T> => {
    const run = tail.then(work, work);
    tail = run.catch(() => undefined);
    return run;
  };

  const runner = db.createQueryRunner() as QueryRunner & { query: QueryRunner['query'] };
  const query = runner.query.bind(runner);
  runner.query = ((...args: Parameters<QueryRunner['query']>) =>
    inTransaction.getStore()
      ? query(...args)
      : exclusive(() => query(...args))) as QueryRunner['query'];

  const transaction = db.transaction.bind(db) as (...args: unknown[]) => Promise<unknown>;
  (db as { transaction: unknown }).transaction = (...args: unknown[]) =>
    inTransaction.getStore()
      ? transaction(...args)
      : exclusive(() => inTransaction.run(true, () => transaction(...args)));
}
