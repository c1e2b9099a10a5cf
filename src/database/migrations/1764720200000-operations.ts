import type { MigrationInterface, QueryRunner } from 'typeorm';

/** When each integration's current Twilio auth token was set, for the token-age alert (TOKEN_MAX_AGE_DAYS). */
export class Operations1764720200000 implements MigrationInterface {
  name = 'Operations1764720200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE integrations ADD COLUMN auth_token_set_at timestamptz`);
    // Tokens already stored: set at the last rotation (its window's end is the closest record of it,
    // at most TOKEN_ROTATION_WINDOW_MINUTES late), else when the integration was connected.
    await q.query(`UPDATE integrations SET auth_token_set_at = COALESCE(previous_auth_token_valid_until, created_at)`);
    await q.query(`ALTER TABLE integrations ALTER COLUMN auth_token_set_at SET DEFAULT now(), ALTER COLUMN auth_token_set_at SET NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE integrations DROP COLUMN auth_token_set_at`);
  }
}
