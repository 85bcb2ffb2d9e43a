import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/** Password recovery by security questions: recovery states and attempt counters. */
export class Recovery1796328000000 implements MigrationInterface {
  name = 'Recovery1796328000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'recovery_states',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'username_key', type: 'varchar', length: '64' },
          { name: 'stage', type: 'varchar', length: '16' },
          { name: 'browser', type: 'varchar', length: '64' },
          { name: 'interaction_uid', type: 'varchar', length: '64', isNullable: true },
          { name: 'client_id', type: 'varchar', length: '255', isNullable: true },
          { name: 'lang', type: 'varchar', length: '8' },
          { name: 'expires_at', type: 'bigint' },
        ],
        indices: [{ name: 'ix_recovery_states_expires', columnNames: ['expires_at'] }],
      }),
    );

    await queryRunner.createTable(
      new Table({
        name: 'attempt_counters',
        columns: [
          { name: 'counter_key', type: 'varchar', length: '191', isPrimary: true },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'locked_until', type: 'bigint', isNullable: true },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('attempt_counters');
    await queryRunner.dropTable('recovery_states');
  }
}
