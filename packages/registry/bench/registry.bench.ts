/**
 * Registry benchmark: for each adapter (memory, json-file, pglite, and pg when
 * TINYLLM_TEST_PG_URL is set) with 10,000 and 100,000 models, measures get by id, one filtered
 * page of a list, and an update (read + revision-checked write). Prints ops/s, p95 in ms and the
 * ratio of ops/s against the memory adapter measured in the same run (the baseline).
 *
 *   pnpm --filter @tinyllm/registry bench            (BENCH_SIZES=10000 to run one size)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { createRegistry } from '../src/registry';
import type { StoredModel } from '../src/records';
import { createJsonFileStorage } from '../src/storage/json-file/index';
import { createMemoryStorage } from '../src/storage/memory/index';
import { createPostgresStorage } from '../src/storage/postgres/index';
import type { StorageAdapter } from '../src/storage/types';

const sizes = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const providers = ['ollama', 'huggingface', 'transformers', 'openai-compatible'] as const;
const methods = ['sft', 'dpo'];

function seedModel(index: number): StoredModel {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, index % 60)).toISOString();
  return {
    id: `m-${index}`,
    ownerId: null,
    name: `model-${String(index).padStart(6, '0')}`,
    description: `Benchmark model ${index}, a small tool-calling fine-tune.`,
    provider: providers[index % 4]!,
    baseUrl: 'http://127.0.0.1:11434',
    modelId: `qwen3:0.6b-${index}`,
    contextLength: 4096,
    maxOutputTokens: 512,
    supportsStreaming: true,
    supportsFunctions: true,
    enabled: index % 10 !== 0,
    tags: index % 2 === 0 ? ['tools', 'bench'] : ['bench'],
    provenance: {
      trainingMethod: methods[index % 2]!,
      baseModel: 'Qwen/Qwen3-0.6B',
      evaluation: { tool_accuracy: (index % 100) / 100 },
    },
    options: null,
    apiKey: null,
    createdAt: at,
    updatedAt: at,
    revision: 1,
  };
}

interface Adapter {
  name: string;
  open(size: number): Promise<{ storage: StorageAdapter; cleanup(): Promise<void> }>;
  iterations: (size: number) => { get: number; list: number; update: number };
}

async function seedSql(query: (sql: string) => Promise<unknown>, schema: string, size: number) {
  // One set-based insert: seeding 100k rows one by one would dominate the run.
  await query(`INSERT INTO ${schema}.llm_models (id, owner_id, name, description, provider, base_url, model_id, context_length, max_output_tokens, supports_streaming, supports_functions, enabled, api_key, tags, provenance, options, created_at, updated_at, revision)
    SELECT 'm-' || i, NULL, 'model-' || lpad(i::text, 6, '0'), 'Benchmark model ' || i || ', a small tool-calling fine-tune.',
      (ARRAY['ollama','huggingface','transformers','openai-compatible'])[i % 4 + 1], 'http://127.0.0.1:11434', 'qwen3:0.6b-' || i, 4096, 512, true, true, i % 10 <> 0, NULL,
      CASE WHEN i % 2 = 0 THEN ARRAY['tools','bench'] ELSE ARRAY['bench'] END,
      jsonb_build_object('trainingMethod', (ARRAY['sft','dpo'])[i % 2 + 1], 'baseModel', 'Qwen/Qwen3-0.6B', 'evaluation', jsonb_build_object('tool_accuracy', (i % 100) / 100.0)),
      NULL, now(), now(), 1
    FROM generate_series(0, ${size - 1}) AS i`);
  await query(`ANALYZE ${schema}.llm_models`);
}

const adapters: Adapter[] = [
  {
    name: 'memory',
    async open(size) {
      const storage = createMemoryStorage();
      for (let index = 0; index < size; index++) await storage.insertModel(seedModel(index));
      return { storage, cleanup: async () => {} };
    },
    iterations: () => ({ get: 5000, list: 200, update: 2000 }),
  },
  {
    name: 'json-file',
    async open(size) {
      const directory = await mkdtemp(join(tmpdir(), 'tinyllm-bench-'));
      const path = join(directory, 'registry.json');
      const models = Array.from({ length: size }, (_, index) => seedModel(index));
      await writeFile(
        path,
        JSON.stringify({ format: 'tinyllm-registry', version: 1, models, configs: [] }, null, 2),
      );
      const storage = createJsonFileStorage({ path });
      await storage.getModel('m-0', { type: 'all' }); // first load (parse + validate) outside the timings
      return { storage, cleanup: () => rm(directory, { recursive: true, force: true }) };
    },
    // Every write rewrites and fsyncs the whole file (tens of MB at 100k): few iterations.
    iterations: (size) => ({ get: 5000, list: 100, update: size >= 100_000 ? 5 : 30 }),
  },
  {
    name: 'pglite',
    async open(size) {
      const db = await PGlite.create();
      const storage = createPostgresStorage({ client: db, schema: 'bench' });
      await storage.getModel('x', { type: 'all' }); // runs migrations
      await seedSql((sql) => db.exec(sql), 'bench', size);
      return { storage, cleanup: () => db.close() };
    },
    iterations: () => ({ get: 1000, list: 100, update: 300 }),
  },
];

const pgUrl = process.env.TINYLLM_TEST_PG_URL;
if (pgUrl) {
  adapters.push({
    name: 'pg',
    async open(size) {
      const pool = new pg.Pool({ connectionString: pgUrl, max: 4 });
      const schema = `bench_${process.pid}_${size}`;
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      const storage = createPostgresStorage({ client: pool, schema });
      await storage.getModel('x', { type: 'all' });
      await seedSql((sql) => pool.query(sql), schema, size);
      return {
        storage,
        cleanup: async () => {
          await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await pool.end();
        },
      };
    },
    iterations: () => ({ get: 1000, list: 100, update: 300 }),
  });
}

async function measure(iterations: number, operation: (index: number) => Promise<unknown>) {
  const durations: number[] = [];
  const started = performance.now();
  for (let index = 0; index < iterations; index++) {
    const t0 = performance.now();
    await operation(index);
    durations.push(performance.now() - t0);
  }
  const elapsed = performance.now() - started;
  durations.sort((a, b) => a - b);
  return {
    opsPerSecond: iterations / (elapsed / 1000),
    p95: durations[Math.min(durations.length - 1, Math.floor(durations.length * 0.95))]!,
    iterations,
  };
}

interface Row {
  adapter: string;
  size: number;
  operation: string;
  opsPerSecond: number;
  p95: number;
  iterations: number;
}

const rows: Row[] = [];
const random = (size: number) => Math.floor(Math.random() * size);

for (const size of sizes) {
  for (const adapter of adapters) {
    const t0 = performance.now();
    const { storage, cleanup } = await adapter.open(size);
    const registry = createRegistry({
      storage,
      validateConfig: () => ({ valid: true, errors: [], warnings: [] }),
    });
    const counts = adapter.iterations(size);
    const get = await measure(counts.get, () => registry.models.get(`m-${random(size)}`));
    const list = await measure(counts.list, () =>
      registry.models.list({
        provider: 'ollama',
        tag: 'tools',
        enabled: true,
        limit: 20,
        offset: random(50) * 20,
      }),
    );
    const update = await measure(counts.update, async (index) => {
      const current = await registry.models.get(`m-${random(size)}`);
      await registry.models.update(current.id, {
        revision: current.revision,
        description: `updated ${index}`,
      });
    });
    for (const [operation, result] of [
      ['get by id', get],
      ['list page (filtered)', list],
      ['update', update],
    ] as const) {
      rows.push({ adapter: adapter.name, size, operation, ...result });
    }
    await registry.close();
    await cleanup();
    console.error(
      `  ${adapter.name} @ ${size}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
  }
}

const baseline = new Map(
  rows
    .filter((row) => row.adapter === 'memory')
    .map((row) => [`${row.size}:${row.operation}`, row.opsPerSecond]),
);
const format = (value: number) => (value >= 100 ? value.toFixed(0) : value.toFixed(2));
console.log('\n| adapter | models | operation | ops/s | p95 ms | vs memory | iterations |');
console.log('|---|---:|---|---:|---:|---:|---:|');
for (const row of rows) {
  const ratio =
    row.opsPerSecond / (baseline.get(`${row.size}:${row.operation}`) ?? row.opsPerSecond);
  console.log(
    `| ${row.adapter} | ${row.size.toLocaleString('en-US')} | ${row.operation} | ${format(row.opsPerSecond)} | ${row.p95.toFixed(3)} | ${ratio.toFixed(3)}× | ${row.iterations} |`,
  );
}
console.log('\nBaseline: the memory adapter at the same size, measured in this run.');
console.log(
  'json-file at 100,000 models runs only 5 updates: each rewrites and fsyncs the whole file.',
);
if (!pgUrl) console.log('pg skipped: TINYLLM_TEST_PG_URL is not set.');
