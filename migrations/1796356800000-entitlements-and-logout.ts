import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/** Which users may use which products, and back-channel logout tokens waiting for delivery. */
export class EntitlementsAndLogout1796356800000 implements MigrationInterface {
  name = 'EntitlementsAndLogout1796356800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'entitlements',
        columns: [
          { name: 'user_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'client_id', type: 'varchar', length: '100', isPrimary: true },
          { name: 'granted_at', type: 'bigint' },
        ],
        indices: [{ name: 'ix_entitlements_client', columnNames: ['client_id'] }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'logout_deliveries',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'client_id', type: 'varchar', length: '100' },
          { name: 'account_id', type: 'varchar', length: '36' },
          { name: 'sid', type: 'varchar', length: '100' },
          { name: 'created_at', type: 'bigint' },
          { name: 'next_attempt_at', type: 'bigint' },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'claimed_until', type: 'bigint', isNullable: true },
          { name: 'sent_at', type: 'bigint', isNullable: true },
          { name: 'failed_at', type: 'bigint', isNullable: true },
          { name: 'last_error', type: 'varchar', length: '255', isNullable: true },
        ],
        indices: [
          { name: 'ix_logout_deliveries_due', columnNames: ['sent_at', 'next_attempt_at'] },
        ],
      }),
    );
    if (queryRunner.connection.options.type !== 'better-sqlite3') {
      for (const table of ['entitlements', 'logout_deliveries']) {
        await queryRunner.query(
          `ALTER TABLE \`${table}\` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
        );
      }
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('logout_deliveries');
    await queryRunner.dropTable('entitlements');
  }
}
