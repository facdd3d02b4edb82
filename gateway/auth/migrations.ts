import type Database from 'better-sqlite3';

/**
 * Ordered schema migrations of <dataDir>/access.db (users, sessions, API tokens, the audit log), kept
 * apart from park.db so that the people and their record can be backed up and restricted on their own.
 * PRAGMA user_version holds how many have been applied; each runs in one transaction with its bump.
 * Append new migrations; never edit or reorder applied ones. The SQL is portable (no STRICT, no
 * SQLite-only types) except where a comment names the PostgreSQL equivalent.
 */
export const MIGRATIONS: readonly { name: string; sql: string }[] = [
  {
    name: 'users, sessions, API tokens',
    sql: `
      CREATE TABLE users (
        id            TEXT PRIMARY KEY,
        username      TEXT NOT NULL UNIQUE,
        display_name  TEXT NOT NULL,
        role          TEXT NOT NULL CHECK (role IN ('viewer','officer','chief','admin')),
        officer       TEXT,
        mobile        TEXT,
        password_hash TEXT,
        disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0,1)),
        -- 'registry': an officer of the park registry (kept in step with it at start); 'api': created by an admin
        source        TEXT NOT NULL CHECK (source IN ('registry','api')),
        -- disabled because the officer left the registry (re-enabled when they come back)
        removed       INTEGER NOT NULL DEFAULT 0 CHECK (removed IN (0,1)),
        created_at    BIGINT NOT NULL,
        updated_at    BIGINT NOT NULL
      );
      CREATE UNIQUE INDEX users_registry_officer ON users (officer) WHERE source = 'registry';

      -- only a SHA-256 of the session id is kept: a copy of the database logs nobody in
      CREATE TABLE sessions (
        id_hash      TEXT PRIMARY KEY,
        user_id      TEXT NOT NULL REFERENCES users (id),
        created_at   BIGINT NOT NULL,
        last_seen    BIGINT NOT NULL,
        expires_at   BIGINT NOT NULL,
        address      TEXT
      );
      CREATE INDEX sessions_user ON sessions (user_id);

      -- an API token is shown once when issued; only its SHA-256 is kept
      CREATE TABLE api_tokens (
        id          TEXT PRIMARY KEY,
        user_id     TEXT NOT NULL REFERENCES users (id),
        name        TEXT NOT NULL,
        token_hash  TEXT NOT NULL UNIQUE,
        created_at  BIGINT NOT NULL,
        expires_at  BIGINT,
        revoked_at  BIGINT,
        last_used   BIGINT
      );
      CREATE INDEX api_tokens_user ON api_tokens (user_id);
    `,
  },
  {
    name: 'append-only audit log',
    sql: `
      -- ids only grow, never reused (AUTOINCREMENT; PostgreSQL: id BIGINT GENERATED ALWAYS AS IDENTITY)
      CREATE TABLE audit_log (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        at          BIGINT NOT NULL,
        actor       TEXT NOT NULL,
        actor_role  TEXT CHECK (actor_role IN ('viewer','officer','chief','admin')),
        address     TEXT,
        action      TEXT NOT NULL,
        target      TEXT NOT NULL,
        outcome     TEXT NOT NULL CHECK (outcome IN ('ok','denied','failed')),
        reason      TEXT,
        before_json TEXT,
        after_json  TEXT
      );
      CREATE INDEX audit_log_at ON audit_log (at);
      CREATE INDEX audit_log_actor ON audit_log (actor, at);
      CREATE INDEX audit_log_target ON audit_log (target, at);

      -- Append-only, enforced by the database whoever writes. PostgreSQL equivalent:
      --   CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS
      --     $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
      --   CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
      --     FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
      --   (and REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM the application's role)
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
      BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END;
    `,
  },
];

export function migrate(db: Database.Database): void {
  const applied = db.pragma('user_version', { simple: true }) as number;
  if (applied > MIGRATIONS.length) throw new Error(`access.db has schema version ${applied}, newer than this gateway (${MIGRATIONS.length}); refusing to start`);
  for (let i = applied; i < MIGRATIONS.length; i++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[i]!.sql);
      db.pragma(`user_version = ${i + 1}`);
    })();
  }
}
