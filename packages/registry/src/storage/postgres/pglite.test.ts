import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { TinyLLMError } from '@tinyllm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../registry';
import { describeStorageConformance } from '../conformance';
import { createPostgresStorage, migrations } from './index';

// One PGlite instance for the suite (starting one takes ~0.5 s); each test gets its own schema.
let shared: PGlite;
let counter = 0;
beforeAll(async () => {
  shared = await PGlite.create();
}, 120_000); // PGlite boots a WASM PostgreSQL: ~5 s of CPU, far more on a loaded CI machine
afterAll(async () => {
  await shared.close();
});

describeStorageConformance('pglite', () =>
  createPostgresStorage({ client: shared, schema: `conformance_${++counter}` }),
);

describe('postgres storage on PGlite', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'tinyllm-pglite-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('persists to a data directory and refuses a second opener with CONFLICT', async () => {
    const dataDir = join(directory, 'db');
    const first = createPostgresStorage({ client: 'pglite', dataDir });
    const registry = createRegistry({ storage: first });
    const created = await registry.models.register({
      name: 'kept',
      provider: 'ollama',
      modelId: 'm',
    });

    const second = createPostgresStorage({ client: 'pglite', dataDir });
    const error = await second
      .getModel(created.id, { type: 'all' })
      .catch((caught: unknown) => caught);
    expect(TinyLLMError.hasCode(error, 'CONFLICT')).toBe(true);
    expect((error as TinyLLMError).message).toContain(dataDir);
    await second.close();
    await registry.close();

    const reopened = createRegistry({
      storage: createPostgresStorage({ client: 'pglite', dataDir }),
    });
    expect((await reopened.models.get('kept')).id).toBe(created.id);
    await reopened.close();
  }, 240_000);

  it('applies migrations once and records them', async () => {
    const schema = 'migrations_check';
    const a = createPostgresStorage({ client: shared, schema });
    await a.listModels({ limit: 1, offset: 0 }, { type: 'all' });
    const b = createPostgresStorage({ client: shared, schema });
    await b.listModels({ limit: 1, offset: 0 }, { type: 'all' });
    const { rows } = await shared.query<{ version: number }>(
      `SELECT version FROM ${schema}.llm_registry_migrations`,
    );
    expect(rows.map((row) => row.version)).toEqual(
      migrations.map((migration) => migration.version),
    );
    const indexes = await shared.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = '${schema}' AND tablename = 'llm_models'`,
    );
    expect(indexes.rows.map((row) => row.indexname)).toEqual(
      expect.arrayContaining(['llm_models_owner_name', 'llm_models_tags', 'llm_models_provider']),
    );
  });

  it('upgrades a version-2 database in place: its usage stays and counts no cached tokens', async () => {
    // The schema as the previous release left it: migrations 1 and 2, and one stored event.
    const schema = 'upgrade_from_2';
    await shared.exec(
      `CREATE SCHEMA ${schema}; CREATE TABLE ${schema}.llm_registry_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());`,
    );
    for (const migration of migrations.filter((entry) => entry.version <= 2)) {
      await shared.exec(migration.sql.replaceAll('{schema}', schema));
      await shared.query(
        `INSERT INTO ${schema}.llm_registry_migrations (version, name) VALUES ($1, $2)`,
        [migration.version, migration.name],
      );
    }
    const event = {
      requestId: 'r-old',
      provider: 'ollama',
      modelId: 'm',
      startedAt: '2026-01-01T00:00:00.000Z',
      totalMs: 40,
      inputTokens: 30,
      outputTokens: 5,
      estimated: false,
      streamed: false,
    };
    await shared.query(
      `INSERT INTO ${schema}.llm_usage_events (model_record_id, started_at, total_ms, input_tokens, output_tokens, estimated, event) VALUES ('m-old', $1::timestamptz, 40, 30, 5, false, $2::jsonb)`,
      [event.startedAt, JSON.stringify({ ...event, modelRecordId: 'm-old' })],
    );
    const storage = createPostgresStorage({ client: shared, schema });
    const stats = await storage.usageStats('m-old', {});
    expect(stats.tokens).toEqual({ input: 30, cachedInput: 0, output: 5, estimatedRequests: 0 });
    await storage.appendUsage([
      { ...event, requestId: 'r-new', modelRecordId: 'm-old', cachedInputTokens: 25 },
    ]);
    expect((await storage.usageStats('m-old', {})).tokens).toMatchObject({
      input: 60,
      cachedInput: 25,
    });
    const { rows } = await shared.query<{ version: number }>(
      `SELECT version FROM ${schema}.llm_registry_migrations ORDER BY version`,
    );
    expect(rows.map((row) => row.version)).toEqual(migrations.map((entry) => entry.version));
  });

  it('rejects an unsafe schema name', () => {
    expect(() => createPostgresStorage({ client: shared, schema: 'x"; drop' })).toThrow(/schema/);
  });
});
