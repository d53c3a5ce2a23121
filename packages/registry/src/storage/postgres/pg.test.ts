import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../registry';
import { describeStorageConformance } from '../conformance';
import { createPostgresStorage, migrations } from './index';

// Runs against a real server when CI provides one (scripts/ensure-postgres.sh); skipped, with the
// reason in the suite name, otherwise.
const url = process.env.TINYLLM_TEST_PG_URL;
const skip = url ? false : 'TINYLLM_TEST_PG_URL is not set (see scripts/ensure-postgres.sh)';
const run = `r${randomUUID().replaceAll('-', '').slice(0, 10)}`;
let counter = 0;
const schemas: string[] = [];

function nextSchema(): string {
  const schema = `${run}_${++counter}`;
  schemas.push(schema);
  return schema;
}

afterAll(async () => {
  if (!url || schemas.length === 0) return;
  const pool = new pg.Pool({ connectionString: url });
  for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool.end();
});

describeStorageConformance(
  'pg server',
  () => createPostgresStorage({ client: url!, schema: nextSchema() }),
  { skip },
);

describe.skipIf(!url)(
  `postgres storage on a server${url ? '' : ' (skipped: TINYLLM_TEST_PG_URL is not set)'}`,
  () => {
    it('migrates concurrently started storages exactly once', async () => {
      const schema = nextSchema();
      const storages = Array.from({ length: 4 }, () =>
        createPostgresStorage({ client: url!, schema }),
      );
      await Promise.all(
        storages.map((storage) => storage.listModels({ limit: 1, offset: 0 }, { type: 'all' })),
      );
      const pool = new pg.Pool({ connectionString: url });
      const { rows } = await pool.query(`SELECT version FROM "${schema}".llm_registry_migrations`);
      await pool.end();
      await Promise.all(storages.map((storage) => storage.close()));
      expect(rows).toEqual(migrations.map((migration) => ({ version: migration.version })));
    });

    it('shares records between two pools like two app processes', async () => {
      const schema = nextSchema();
      const a = createRegistry({ storage: createPostgresStorage({ client: url!, schema }) });
      const b = createRegistry({ storage: createPostgresStorage({ client: url!, schema }) });
      const created = await a.models.register({ name: 'shared', provider: 'ollama', modelId: 'm' });
      const seen = await b.models.get('shared');
      await b.models.update(seen.id, { revision: seen.revision, description: 'from b' });
      await expect(
        a.models.update(created.id, { revision: 1, description: 'stale' }),
      ).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      expect((await a.models.get(created.id)).description).toBe('from b');
      await a.close();
      await b.close();
    });
  },
);
