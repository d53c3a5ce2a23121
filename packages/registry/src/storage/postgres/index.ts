/**
 * PostgreSQL storage: one SQL schema with versioned migrations, on PGlite (in-process, optionally
 * persisted to a data directory) or on a PostgreSQL server through `pg`. Both drivers are
 * optional peers, imported only when this adapter is created with them.
 *
 * The adapter is composed of: `connection.ts` (open, migrate, close), `rows.ts` (row mapping),
 * `where.ts` (WHERE builder), `usage-queries.ts` (usage in SQL), `data-dir-lock.ts` (PGlite).
 *
 * @packageDocumentation
 */
import { TinyLLMError } from '@tinyllm/core';
import { conflict, notFound } from '../../errors';
import type { ModelQuery, Page, UsageQuery, UsageRecord, UsageStats } from '../../records';
import { canWrite, checkReplace, duplicateName } from '../shared';
import type { AliasQuery, ConfigQuery, OwnerScope, StorageAdapter, UsageOwner } from '../types';
import { createConnection } from './connection';
import {
  type AliasRow,
  type ConfigRow,
  aliasColumns,
  aliasParams,
  aliasValues,
  configColumns,
  configParams,
  configValues,
  modelColumns,
  modelParams,
  modelValues,
  rowToAlias,
  rowToConfig,
  rowToModel,
} from './rows';
import type { PGliteLike, PgPoolLike } from './sql-client';
import { appendUsageRows, queryUsageRecords, queryUsageStats } from './usage-queries';
import { Where, escapeLike, orderBy } from './where';

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
  const aliases = `${schema}.llm_model_aliases`;
  const connection = createConnection(settings, schema);
  const db = connection.db;

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
      if (query.trainingConfigId !== undefined) {
        where.add(`training_config_id = ${where.param(query.trainingConfigId)}`);
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
      // A use is a write: global configs are read-only to users, so their counter is too.
      where.writable(scope);
      const { rows } = await (await db()).query<ConfigRow>(
        `UPDATE ${configs} SET times_used = times_used + 1, last_used_at = $2::timestamptz WHERE ${where} RETURNING *`,
        where.params,
      );
      if (rows[0] === undefined) throw notFound('config', id);
      return rowToConfig(rows[0]);
    },
    appendUsage: async (records: UsageRecord[]) => appendUsageRows(await db(), usage, records),
    usageStats: async (
      modelRecordId: string,
      query: UsageQuery,
      owner?: UsageOwner,
    ): Promise<UsageStats> => queryUsageStats(await db(), usage, modelRecordId, query, owner),
    usageRecords: async (modelRecordId: string, query: UsageQuery, owner?: UsageOwner) =>
      queryUsageRecords(await db(), usage, modelRecordId, query, owner),
    async getAlias(ownerId, name, alias, scope) {
      const where = new Where();
      where.add(`name = ${where.param(name)}`);
      where.add(`alias = ${where.param(alias)}`);
      where.add(ownerId === null ? 'owner_id IS NULL' : `owner_id = ${where.param(ownerId)}`);
      where.readable(scope);
      const { rows } = await (await db()).query<AliasRow>(
        `SELECT * FROM ${aliases} WHERE ${where}`,
        where.params,
      );
      return rows[0] === undefined ? undefined : rowToAlias(rows[0]);
    },
    async listAliases(query: AliasQuery, scope: OwnerScope) {
      const where = new Where();
      where.readable(scope);
      if (query.name !== undefined) where.add(`name = ${where.param(query.name)}`);
      if (query.modelRecordId !== undefined) {
        where.add(`model_record_id = ${where.param(query.modelRecordId)}`);
      }
      const { rows } = await (await db()).query<AliasRow>(
        `SELECT * FROM ${aliases} WHERE ${where} ${orderBy}, alias COLLATE "C"`,
        where.params,
      );
      return rows.map(rowToAlias);
    },
    async putAlias(alias, expectedRevision, scope) {
      const record = { id: alias.id, name: `${alias.name}@${alias.alias}`, ownerId: alias.ownerId };
      if (expectedRevision === null) {
        if (!canWrite(alias.ownerId, scope)) throw notFound('alias', record.name);
        try {
          await (await db()).query(
            `INSERT INTO ${aliases} (${aliasColumns}) VALUES (${aliasValues})`,
            aliasParams(alias),
          );
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
          throw conflict(`The alias "${record.name}" already exists.`, {
            name: alias.name,
            alias: alias.alias,
          });
        }
        return;
      }
      await replace(
        aliases,
        'alias',
        aliasColumns,
        aliasValues,
        aliasParams(alias),
        record,
        expectedRevision,
        scope,
      );
    },
    deleteAlias: (id, scope) => deleteById(aliases, id, scope),
    close: () => connection.close(),
  };
}
