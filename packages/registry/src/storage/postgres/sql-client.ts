/**
 * One small query layer over PGlite and `pg`, so the adapter's SQL is written once. Both
 * drivers are optional peers, imported only when used.
 */
import { TinyLLMError } from '@tinyllm/core';

/** The part of a PGlite instance the adapter uses (structural, so no type import is needed). */
export interface PGliteLike {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
  transaction<T>(callback: (tx: PGliteTransactionLike) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
interface PGliteTransactionLike {
  query<T>(sql: string, params?: unknown[]): Promise<{ rows: T[]; affectedRows?: number }>;
  exec(sql: string): Promise<unknown>;
}

/** The part of a `pg.Pool` the adapter uses. */
export interface PgPoolLike {
  query(sql: string, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
  connect(): Promise<{
    query(sql: string, params?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
    release(error?: Error | boolean): void;
  }>;
  end(): Promise<void>;
}

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

/** What the adapter runs SQL through. */
export interface SqlClient {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Runs several statements (no parameters). */
  exec(sql: string): Promise<void>;
  transaction<T>(callback: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

function missing(name: string, error: unknown): TinyLLMError {
  return new TinyLLMError({
    code: 'MISSING_DEPENDENCY',
    message: `The PostgreSQL storage needs "${name}": install it with \`npm install ${name}\`.`,
    details: { package: name },
    cause: error,
  });
}

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** Imports an optional peer, turning "not installed" into MISSING_DEPENDENCY. */
export async function importOptional<T>(name: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isModuleNotFound(error)) throw missing(name, error);
    throw error;
  }
}

export function pgliteClient(db: PGliteLike, owned: boolean): SqlClient {
  const wrap = (target: PGliteTransactionLike): Omit<SqlClient, 'transaction' | 'close'> => ({
    async query<T>(sql: string, params: unknown[] = []) {
      const result = await target.query<T>(sql, params);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(sql: string) {
      await target.exec(sql);
    },
  });
  const self: SqlClient = {
    ...wrap(db),
    transaction: (callback) =>
      db.transaction((tx) =>
        callback({
          ...wrap(tx),
          transaction: () => Promise.reject(new Error('nested transactions are not supported')),
          close: async () => {},
        }),
      ),
    close: async () => {
      if (owned) await db.close();
    },
  };
  return self;
}

export function pgPoolClient(pool: PgPoolLike, owned: boolean): SqlClient {
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      const result = await pool.query(sql, params);
      return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
    },
    async exec(sql: string) {
      await pool.query(sql);
    },
    async transaction(callback) {
      const connection = await pool.connect();
      const tx: SqlClient = {
        async query<T>(sql: string, params: unknown[] = []) {
          const result = await connection.query(sql, params);
          return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
        },
        async exec(sql: string) {
          await connection.query(sql);
        },
        transaction: () => Promise.reject(new Error('nested transactions are not supported')),
        close: async () => {},
      };
      try {
        await connection.query('BEGIN');
        const result = await callback(tx);
        await connection.query('COMMIT');
        connection.release();
        return result;
      } catch (error) {
        await connection.query('ROLLBACK').catch(() => {});
        connection.release();
        throw error;
      }
    },
    close: async () => {
      if (owned) await pool.end();
    },
  };
}
