import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/** The audit trail. */
export class AuditEvents1796346000000 implements MigrationInterface {
  name = 'AuditEvents1796346000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          {
            name: 'id',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'occurred_at', type: 'bigint' },
          { name: 'type', type: 'varchar', length: '64' },
          { name: 'user_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'client_id', type: 'varchar', length: '255', isNullable: true },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          { name: 'user_agent', type: 'varchar', length: '255', isNullable: true },
          { name: 'outcome', type: 'varchar', length: '16' },
          { name: 'detail', type: 'text', isNullable: true },
        ],
        indices: [
          { name: 'ix_audit_events_time', columnNames: ['occurred_at'] },
          { name: 'ix_audit_events_user', columnNames: ['user_id'] },
          { name: 'ix_audit_events_type', columnNames: ['type'] },
        ],
      }),
    );
    if (queryRunner.connection.options.type !== 'better-sqlite3') {
      await queryRunner.query(
        'ALTER TABLE `audit_events` CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin',
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_events');
  }
}
