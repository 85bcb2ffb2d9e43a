import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/** How many times a key has been locked in a row, so that each further lockout lasts longer. */
export class LoginLockout1796335200000 implements MigrationInterface {
  name = 'LoginLockout1796335200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'attempt_counters',
      new TableColumn({ name: 'lockouts', type: 'integer', default: 0 }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('attempt_counters', 'lockouts');
  }
}
