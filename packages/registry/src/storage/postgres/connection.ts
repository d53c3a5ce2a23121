/**
 * The adapter's database connection: opened lazily (PGlite, a pool from a URL, or the caller's
 * client), migrated once under an advisory lock, and closed with the storage.
 */
import { TinyLLMError } from '@tinyllm/core';
import { lockDataDir } from './data-dir-lock';
import { migrations } from './migrations';
import {
  type PGliteLike,
  type PgPoolLike,
  type SqlClient,
  importOptional,
  pgPoolClient,
  pgliteClient,
} from './sql-client';

/** Where the database is; see `PostgresStorageSettings`. */
export interface ConnectionSettings {
  client: 'pglite' | string | PGliteLike | PgPoolLike;
  dataDir?: string;
}

/** A lazily opened, migrated connection. */
export interface Connection {
  /** The migrated client; opens and migrates on first call. */
  db(): Promise<SqlClient>;
  close(): Promise<void>;
}

/** Creates the connection of one storage; `schema` is the quoted schema name. */
export function createConnection(settings: ConnectionSettings, schema: string): Connection {
  let releaseDataDir: (() => Promise<void>) | undefined;
  let ready: Promise<SqlClient> | undefined;
  let closed = false;

  async function open(): Promise<SqlClient> {
    const client = settings.client;
    if (client === 'pglite') {
      const { PGlite } = await importOptional(
        '@electric-sql/pglite',
        () => import('@electric-sql/pglite'),
      );
      if (settings.dataDir !== undefined) releaseDataDir = await lockDataDir(settings.dataDir);
      try {
        const db = await PGlite.create(settings.dataDir);
        return pgliteClient(db as unknown as PGliteLike, true);
      } catch (error) {
        await releaseDataDir?.();
        throw error;
      }
    }
    if (typeof client === 'string') {
      const pg = await importOptional('pg', () => import('pg'));
      const Pool = (pg.default ?? pg).Pool;
      const pool = new Pool({ connectionString: client, max: 4 });
      // Idle clients can error when the server restarts; the next query reconnects.
      pool.on('error', () => {});
      return pgPoolClient(pool as unknown as PgPoolLike, true);
    }
    if ('exec' in client && 'transaction' in client) return pgliteClient(client, false);
    return pgPoolClient(client as PgPoolLike, false);
  }

  async function migrate(db: SqlClient): Promise<void> {
    await db.transaction(async (tx) => {
      // Serializes concurrent first starts (several app processes on one server).
      await tx.query('SELECT pg_advisory_xact_lock(7261001)');
      await tx.exec(
        `CREATE SCHEMA IF NOT EXISTS ${schema}; CREATE TABLE IF NOT EXISTS ${schema}.llm_registry_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());`,
      );
      const applied = new Set(
        (
          await tx.query<{ version: number }>(
            `SELECT version FROM ${schema}.llm_registry_migrations`,
          )
        ).rows.map((row) => row.version),
      );
      for (const migration of migrations) {
        if (applied.has(migration.version)) continue;
        await tx.exec(migration.sql.replaceAll('{schema}', schema));
        await tx.query(
          `INSERT INTO ${schema}.llm_registry_migrations (version, name) VALUES ($1, $2)`,
          [migration.version, migration.name],
        );
      }
    });
  }

  function db(): Promise<SqlClient> {
    if (closed) {
      return Promise.reject(
        new TinyLLMError({ code: 'INVALID_REQUEST', message: 'This storage has been closed.' }),
      );
    }
    ready ??= (async () => {
      const client = await open();
      try {
        await migrate(client);
      } catch (error) {
        await client.close().catch(() => {});
        await releaseDataDir?.();
        throw error;
      }
      return client;
    })();
    ready.catch(() => {
      ready = undefined;
    });
    return ready;
  }

  return {
    db,
    async close() {
      if (closed) return;
      closed = true;
      const pending = ready;
      ready = undefined;
      if (pending !== undefined) {
        const client = await pending.catch(() => undefined);
        await client?.close();
      }
      await releaseDataDir?.();
      releaseDataDir = undefined;
    },
  };
}
