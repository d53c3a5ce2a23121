/**
 * PostgreSQL storage: one SQL schema with versioned migrations, on PGlite (in-process, optionally
 * persisted to a data directory) or on a PostgreSQL server through `pg`. Both drivers are
 * optional peers, imported only when this adapter is created with them.
 *
 * @packageDocumentation
 */
import { TinyLLMError } from '@tinyllm/core';
import { providerIdSchema } from '@tinyllm/core/schemas';
import * as lockfile from 'proper-lockfile';
import { conflict, notFound } from '../../errors';
import type {
  ModelQuery,
  Page,
  SavedConfig,
  StoredModel,
  UsageQuery,
  UsageRecord,
  UsageStats,
} from '../../records';
import { canWrite, checkReplace, duplicateName } from '../shared';
import type { ConfigQuery, OwnerScope, StorageAdapter } from '../types';
import { migrations } from './migrations';
import {
  type PGliteLike,
  type PgPoolLike,
  type SqlClient,
  importOptional,
  pgPoolClient,
  pgliteClient,
} from './sql-client';

export type { PGliteLike, PgPoolLike } from './sql-client';
export { migrations, type Migration } from './migrations';

/** Settings of {@link createPostgresStorage}. */
export interface PostgresStorageSettings {
  /**
   * `'pglite'`: an embedded PGlite database (in memory, or in `dataDir`). A connection string
   * (`postgres://…`): a `pg.Pool` the adapter creates and closes. Or your own PGlite instance
   * or `pg.Pool` (which the adapter does not close).
   */
  client: 'pglite' | string | PGliteLike | PgPoolLike;
  /** PGlite data directory; omitted: in memory. Only one process may open it at a time. */
  dataDir?: string;
  /** Schema holding the tables. Default `public`. */
  schema?: string;
}

const uniqueViolation = '23505';

function isUniqueViolation(error: unknown): error is { code: string; constraint?: string } {
  return (error as { code?: unknown } | null)?.code === uniqueViolation;
}

interface ModelRow {
  id: string;
  owner_id: string | null;
  name: string;
  description: string;
  provider: string;
  base_url: string | null;
  model_id: string;
  context_length: number | null;
  max_output_tokens: number | null;
  supports_streaming: boolean;
  supports_functions: boolean;
  enabled: boolean;
  api_key: StoredModel['apiKey'];
  tags: string[];
  provenance: StoredModel['provenance'];
  options: StoredModel['options'];
  created_at: Date | string;
  updated_at: Date | string;
  revision: number;
}

interface ConfigRow {
  id: string;
  owner_id: string | null;
  name: string;
  description: string;
  template_type: string | null;
  config: Record<string, unknown>;
  valid: boolean;
  errors: SavedConfig['errors'];
  warnings: SavedConfig['warnings'];
  times_used: number;
  last_used_at: Date | string | null;
  created_at: Date | string;
  updated_at: Date | string;
  revision: number;
}

const iso = (value: Date | string): string =>
  value instanceof Date ? value.toISOString() : new Date(value).toISOString();

function rowToModel(row: ModelRow): StoredModel {
  return {
    id: row.id,
    ownerId: row.owner_id,
    name: row.name,
    description: row.description,
    provider: providerIdSchema.parse(row.provider),
    baseUrl: row.base_url,
    modelId: row.model_id,
    contextLength: row.context_length,
    maxOutputTokens: row.max_output_tokens,
    supportsStreaming: row.supports_streaming,
    supportsFunctions: row.supports_functions,
    enabled: row.enabled,
    apiKey: row.api_key,
    tags: row.tags,
    provenance: row.provenance,
    options: row.options,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    revision: row.revision,
  };
}

function rowToConfig(row: ConfigRow): SavedConfig {
  return {
    id: row.id,
    ownerId: row.owner_id,
    name: row.name,
    description: row.description,
    templateType: row.template_type,
    config: row.config,
    valid: row.valid,
    errors: row.errors,
    warnings: row.warnings,
    timesUsed: row.times_used,
    lastUsedAt: row.last_used_at === null ? null : iso(row.last_used_at),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    revision: row.revision,
  };
}

const json = (value: unknown) =>
  value === null || value === undefined ? null : JSON.stringify(value);

// Values are passed as JSON so text[] columns work the same through PGlite and pg.
const textArray = (index: number) => `ARRAY(SELECT jsonb_array_elements_text($${index}::jsonb))`;

function modelParams(model: StoredModel): unknown[] {
  return [
    model.id,
    model.ownerId,
    model.name,
    model.description,
    model.provider,
    model.baseUrl,
    model.modelId,
    model.contextLength,
    model.maxOutputTokens,
    model.supportsStreaming,
    model.supportsFunctions,
    model.enabled,
    json(model.apiKey),
    JSON.stringify(model.tags),
    json(model.provenance),
    json(model.options),
    model.createdAt,
    model.updatedAt,
    model.revision,
  ];
}

const modelColumns =
  'id, owner_id, name, description, provider, base_url, model_id, context_length, max_output_tokens, supports_streaming, supports_functions, enabled, api_key, tags, provenance, options, created_at, updated_at, revision';
const modelValues = `$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, ${textArray(14)}, $15::jsonb, $16::jsonb, $17::timestamptz, $18::timestamptz, $19`;

function configParams(config: SavedConfig): unknown[] {
  return [
    config.id,
    config.ownerId,
    config.name,
    config.description,
    config.templateType,
    JSON.stringify(config.config),
    config.valid,
    JSON.stringify(config.errors),
    JSON.stringify(config.warnings),
    config.timesUsed,
    config.lastUsedAt,
    config.createdAt,
    config.updatedAt,
    config.revision,
  ];
}
const configColumns =
  'id, owner_id, name, description, template_type, config, valid, errors, warnings, times_used, last_used_at, created_at, updated_at, revision';
const configValues =
  '$1, $2, $3, $4, $5, $6::jsonb, $7, $8::jsonb, $9::jsonb, $10, $11::timestamptz, $12::timestamptz, $13::timestamptz, $14';

/** Collects SQL conditions and their parameters. */
class Where {
  readonly conditions: string[] = [];
  readonly params: unknown[];
  constructor(params: unknown[] = []) {
    this.params = params;
  }
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }
  add(condition: string): void {
    this.conditions.push(condition);
  }
  readable(scope: OwnerScope): void {
    if (scope.type === 'global') this.add('owner_id IS NULL');
    else if (scope.type === 'owner') {
      this.add(`(owner_id IS NULL OR owner_id = ${this.param(scope.ownerId)})`);
    }
  }
  writable(scope: OwnerScope): void {
    if (scope.type === 'global') this.add('owner_id IS NULL');
    else if (scope.type === 'owner') this.add(`owner_id = ${this.param(scope.ownerId)}`);
  }
  toString(): string {
    return this.conditions.length === 0 ? 'TRUE' : this.conditions.join(' AND ');
  }
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (match) => `\\${match}`);
const orderBy = `ORDER BY name COLLATE "C", coalesce(owner_id, '') COLLATE "C", id COLLATE "C"`;

/**
 * Creates PostgreSQL storage. Tables are created (migrated) on first use.
 *
 * @example
 * ```ts
 * import { createPostgresStorage } from '@tinyllm/registry/postgres';
 * const embedded = createPostgresStorage({ client: 'pglite', dataDir: './registry-db' });
 * const server = createPostgresStorage({ client: process.env.DATABASE_URL! });
 * ```
 */
export function createPostgresStorage(settings: PostgresStorageSettings): StorageAdapter {
  const schemaName = settings.schema ?? 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schemaName)) {
    throw new TinyLLMError({
      code: 'INVALID_CONFIG',
      message: 'schema must be a lower-case SQL identifier ([a-z_][a-z0-9_]*).',
      path: 'schema',
    });
  }
  const schema = `"${schemaName}"`;
  const models = `${schema}.llm_models`;
  const configs = `${schema}.llm_training_configs`;
  const usage = `${schema}.llm_usage_events`;
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

  async function insert(
    table: string,
    kind: string,
    columns: string,
    values: string,
    params: unknown[],
    record: { id: string; name: string; ownerId: string | null },
  ): Promise<void> {
    try {
      await (await db()).query(`INSERT INTO ${table} (${columns}) VALUES (${values})`, params);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      if (error.constraint?.endsWith('_pkey')) {
        throw conflict(`A ${kind} with id "${record.id}" already exists.`);
      }
      throw duplicateName(kind, record.name, record.ownerId);
    }
  }

  /** Deletes a row the scope may write; false when there is none (or it is not writable). */
  async function deleteById(table: string, id: string, scope: OwnerScope): Promise<boolean> {
    const where = new Where([id]);
    where.add('id = $1');
    where.writable(scope);
    const { rowCount } = await (await db()).query(
      `DELETE FROM ${table} WHERE ${where}`,
      where.params,
    );
    return rowCount > 0;
  }

  async function replace(
    table: string,
    kind: string,
    columns: string,
    values: string,
    params: unknown[],
    record: { id: string; name: string; ownerId: string | null },
    expectedRevision: number,
    scope: OwnerScope,
  ): Promise<void> {
    if (!canWrite(record.ownerId, scope)) throw notFound(kind, record.id);
    const where = new Where(params);
    where.add('id = $1');
    where.add(`revision = ${where.param(expectedRevision)}`);
    where.writable(scope);
    const client = await db();
    let rowCount: number;
    try {
      ({ rowCount } = await client.query(
        `UPDATE ${table} SET (${columns}) = ROW(${values}) WHERE ${where}`,
        where.params,
      ));
    } catch (error) {
      if (isUniqueViolation(error)) throw duplicateName(kind, record.name, record.ownerId);
      throw error;
    }
    if (rowCount === 1) return;
    const current = await client.query<{ owner_id: string | null; revision: number }>(
      `SELECT owner_id, revision FROM ${table} WHERE id = $1`,
      [record.id],
    );
    const row = current.rows[0];
    checkReplace(
      kind,
      row === undefined
        ? undefined
        : { id: record.id, ownerId: row.owner_id, revision: row.revision },
      record,
      expectedRevision,
      scope,
    );
    throw conflict(`The ${kind} "${record.id}" changed while it was being written; try again.`);
  }

  async function getOne<Row, T>(
    table: string,
    key: 'id' | 'name',
    value: string,
    ownerId: string | null | undefined,
    scope: OwnerScope,
    map: (row: Row) => T,
  ): Promise<T | undefined> {
    const where = new Where();
    where.add(`${key} = ${where.param(value)}`);
    if (ownerId !== undefined) {
      where.add(ownerId === null ? 'owner_id IS NULL' : `owner_id = ${where.param(ownerId)}`);
    }
    where.readable(scope);
    const { rows } = await (await db()).query<Row>(
      `SELECT * FROM ${table} WHERE ${where}`,
      where.params,
    );
    return rows[0] === undefined ? undefined : map(rows[0]);
  }

  async function page<Row, T>(
    table: string,
    where: Where,
    limit: number,
    offset: number,
    map: (row: Row) => T,
  ): Promise<Page<T>> {
    const client = await db();
    const filterParams = [...where.params];
    const limitParam = where.param(limit);
    const offsetParam = where.param(offset);
    // Two queries rather than `count(*) OVER ()`: the window would materialize and sort every
    // match, while the page query can walk the ordering index and stop after one page.
    const [{ rows }, counted] = await Promise.all([
      client.query<Row>(
        `SELECT * FROM ${table} WHERE ${where} ${orderBy} LIMIT ${limitParam} OFFSET ${offsetParam}`,
        where.params,
      ),
      client.query<{ total: number | string }>(
        `SELECT count(*) AS total FROM ${table} WHERE ${where}`,
        filterParams,
      ),
    ]);
    const total = Number(counted.rows[0]?.total ?? 0);
    const next = offset + rows.length;
    return { items: rows.map(map), total, nextOffset: next < total ? next : null };
  }

  return {
    kind: 'postgres',
    insertModel: (model) =>
      insert(models, 'model', modelColumns, modelValues, modelParams(model), model),
    getModel: (id, scope) => getOne(models, 'id', id, undefined, scope, rowToModel),
    getModelByName: (name, ownerId, scope) =>
      getOne(models, 'name', name, ownerId, scope, rowToModel),
    async listModels(query: ModelQuery, scope: OwnerScope) {
      const where = new Where();
      where.readable(scope);
      if (query.scope === 'global') where.add('owner_id IS NULL');
      if (query.scope === 'own') {
        where.add(
          scope.type === 'owner' ? `owner_id = ${where.param(scope.ownerId)}` : 'owner_id IS NULL',
        );
      }
      if (query.provider !== undefined) where.add(`provider = ${where.param(query.provider)}`);
      if (query.enabled !== undefined) where.add(`enabled = ${where.param(query.enabled)}`);
      if (query.tag !== undefined) where.add(`tags @> ARRAY[${where.param(query.tag)}::text]`);
      if (query.trainingMethod !== undefined) {
        where.add(`training_method = ${where.param(query.trainingMethod)}`);
      }
      if (query.baseModel !== undefined) where.add(`base_model = ${where.param(query.baseModel)}`);
      if (query.fineTunedFrom !== undefined) {
        where.add(`fine_tuned_from = ${where.param(query.fineTunedFrom)}`);
      }
      if (query.sourceRepoId !== undefined) {
        where.add(`source_repo_id = ${where.param(query.sourceRepoId)}`);
      }
      if (query.search !== undefined) {
        const pattern = where.param(`%${escapeLike(query.search)}%`);
        where.add(`(name ILIKE ${pattern} OR description ILIKE ${pattern})`);
      }
      return page(models, where, query.limit, query.offset, rowToModel);
    },
    replaceModel: (model, expectedRevision, scope) =>
      replace(
        models,
        'model',
        modelColumns,
        modelValues,
        modelParams(model),
        model,
        expectedRevision,
        scope,
      ),
    deleteModel: (id, scope) => deleteById(models, id, scope),
    insertConfig: (config) =>
      insert(configs, 'config', configColumns, configValues, configParams(config), config),
    getConfig: (id, scope) => getOne(configs, 'id', id, undefined, scope, rowToConfig),
    getConfigByName: (name, ownerId, scope) =>
      getOne(configs, 'name', name, ownerId, scope, rowToConfig),
    async listConfigs(query: ConfigQuery, scope: OwnerScope) {
      const where = new Where();
      where.readable(scope);
      if (query.templateType !== undefined) {
        where.add(`template_type = ${where.param(query.templateType)}`);
      }
      if (query.valid !== undefined) where.add(`valid = ${where.param(query.valid)}`);
      return page(configs, where, query.limit, query.offset, rowToConfig);
    },
    replaceConfig: (config, expectedRevision, scope) =>
      replace(
        configs,
        'config',
        configColumns,
        configValues,
        configParams(config),
        config,
        expectedRevision,
        scope,
      ),
    deleteConfig: (id, scope) => deleteById(configs, id, scope),
    async markConfigUsed(id, at, scope) {
      const where = new Where([id, at]);
      where.add('id = $1');
      where.readable(scope);
      const { rows } = await (await db()).query<ConfigRow>(
        `UPDATE ${configs} SET times_used = times_used + 1, last_used_at = $2::timestamptz WHERE ${where} RETURNING *`,
        where.params,
      );
      if (rows[0] === undefined) throw notFound('config', id);
      return rowToConfig(rows[0]);
    },
    async appendUsage(records: UsageRecord[]) {
      if (records.length === 0) return;
      const client = await db();
      await client.transaction(async (tx) => {
        for (const record of records) {
          await tx.query(
            `INSERT INTO ${usage} (model_record_id, started_at, total_ms, time_to_first_token_ms, input_tokens, output_tokens, estimated, error_code, session_id, tags, event)
             VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7, $8, $9, ${textArray(10)}, $11::jsonb)`,
            [
              record.modelRecordId,
              record.startedAt,
              record.totalMs,
              record.timeToFirstTokenMs ?? null,
              record.inputTokens,
              record.outputTokens,
              record.estimated,
              record.errorCode ?? null,
              record.sessionId ?? null,
              JSON.stringify(record.tags ?? []),
              JSON.stringify(record),
            ],
          );
        }
      });
    },
    async usageStats(modelRecordId: string, query: UsageQuery): Promise<UsageStats> {
      const where = new Where([modelRecordId]);
      where.add('model_record_id = $1');
      if (query.since !== undefined)
        where.add(`started_at >= ${where.param(query.since)}::timestamptz`);
      if (query.until !== undefined)
        where.add(`started_at < ${where.param(query.until)}::timestamptz`);
      if (query.sessionId !== undefined) where.add(`session_id = ${where.param(query.sessionId)}`);
      if (query.tag !== undefined) where.add(`tags @> ARRAY[${where.param(query.tag)}::text]`);
      const client = await db();
      const { rows } = await client.query<Record<string, number | string | null>>(
        `SELECT count(*)::float8 AS requests,
                count(error_code)::float8 AS errors,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY total_ms) AS p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY total_ms) AS p95,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY time_to_first_token_ms) AS ttft_p50,
                percentile_cont(0.95) WITHIN GROUP (ORDER BY time_to_first_token_ms) AS ttft_p95,
                coalesce(sum(input_tokens), 0)::float8 AS input,
                coalesce(sum(output_tokens), 0)::float8 AS output,
                (count(*) FILTER (WHERE estimated))::float8 AS estimated
           FROM ${usage} WHERE ${where}`,
        where.params,
      );
      const codes = await client.query<{ error_code: string; count: number }>(
        `SELECT error_code, count(*)::float8 AS count FROM ${usage} WHERE ${where} AND error_code IS NOT NULL GROUP BY error_code`,
        where.params,
      );
      const row = rows[0] ?? {};
      const numberOrNull = (value: unknown) =>
        value === null || value === undefined ? null : Number(value);
      return {
        modelRecordId,
        requests: Number(row.requests ?? 0),
        errors: Number(row.errors ?? 0),
        errorCodes: Object.fromEntries(
          codes.rows.map((entry) => [entry.error_code, Number(entry.count)]),
        ),
        latencyMs: { p50: numberOrNull(row.p50), p95: numberOrNull(row.p95) },
        timeToFirstTokenMs: { p50: numberOrNull(row.ttft_p50), p95: numberOrNull(row.ttft_p95) },
        tokens: {
          input: Number(row.input ?? 0),
          output: Number(row.output ?? 0),
          estimatedRequests: Number(row.estimated ?? 0),
        },
      };
    },
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

/**
 * Locks a PGlite data directory for this process: PGlite is single-user PostgreSQL, and two
 * processes on one directory corrupt it. Throws CONFLICT naming the directory when it is taken.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dataDir, { recursive: true });
  try {
    const release = await lockfile.lock(dataDir, {
      lockfilePath: `${dataDir.replace(/[\\/]+$/, '')}.lock`,
      realpath: false,
      stale: 10_000,
      onCompromised: () => {},
    });
    return async () => {
      await release().catch(() => {});
    };
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ELOCKED') {
      throw new TinyLLMError({
        code: 'CONFLICT',
        message: `The PGlite data directory ${dataDir} is already open in another process (or another storage in this one). PGlite allows one process per directory: share one storage, or use a PostgreSQL server.`,
        details: { dataDir },
        cause: error,
      });
    }
    throw error;
  }
}
