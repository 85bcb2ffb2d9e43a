import test from 'ava';

import { loadConfig } from '../src/config/load.js';
import { createDataSource } from '../src/db/data-source.js';
import { createTestDatabase } from './helpers/database.js';

test('the migrations build exactly the schema the entities describe, and revert cleanly', async (t) => {
  const database = await createTestDatabase();
  t.teardown(() => database.drop());
  const source = await createDataSource(
    loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.url }),
  );
  await source.initialize();
  t.teardown(() => source.destroy());

  const applied = await source.runMigrations({ transaction: 'each' });
  t.true(applied.length > 0);

  const pending = await source.driver.createSchemaBuilder().log();
  t.deepEqual(
    pending.upQueries.map((q) => q.query),
    [],
    'entities and migrations disagree: add a migration for the difference',
  );

  for (let i = 0; i < applied.length; i++) await source.undoLastMigration({ transaction: 'each' });
  const tables = await source.createQueryRunner().getTables(['users', 'oidc_payloads']);
  t.deepEqual(tables, []);
});
