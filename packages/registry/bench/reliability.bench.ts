/**
 * Storage reliability, long form (the short form runs in `vitest`): prints figures.
 *
 * 1. Kill trials on the JSON-file store: writers killed with SIGKILL at random moments (mostly
 *    mid-write). Counts lost acknowledged writes, unreadable files, temp files and staging
 *    folders left, a canary API key in clear on disk, and times the first write after each kill
 *    (p50/p95/max, split into taking over the killed writer's lock and the write itself, with
 *    the machine's load average: the write is CPU- and fsync-bound on a loaded machine).
 * 2. Concurrent updates: several processes (JSON file, PostgreSQL server) or concurrent writers
 *    (memory, PGlite: single-process by design) increment one counter with revision-checked
 *    writes. Counts lost updates and typed CONFLICTs (and any other error).
 * 3. Fuzzing: fast-check registry inputs (records, configs, usage events, queries) on every
 *    adapter. Counts runs and any result other than success or a typed INVALID_REQUEST/CONFLICT.
 *
 *   pnpm --filter @tinyllm/registry bench:reliability
 *   KILL_TRIALS=300 PROCESSES=4 UPDATES=50 FUZZ_RUNS=500 TINYLLM_TEST_PG_URL=… (optional: without
 *   it the bench starts embedded PostgreSQL from npm, as the tests do, so every adapter is covered)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import startPostgres from '../test/postgres-global-setup';
import { TinyLLMError } from '@tinyllm/core';
import fc from 'fast-check';
import { createRegistry } from '../src/registry';
import { parseRegistryFile } from '../src/registry-file';
import { acquireFileLock } from '../src/storage/json-file/file-lock';
import { createJsonFileStorage } from '../src/storage/json-file/index';
import { createMemoryStorage } from '../src/storage/memory/index';
import { createPostgresStorage } from '../src/storage/postgres/index';
import type { StorageAdapter } from '../src/storage/types';
import { bundleFixture } from '../test/bundle';

const killTrials = Number(process.env.KILL_TRIALS ?? 300);
const processes = Number(process.env.PROCESSES ?? 4);
const updates = Number(process.env.UPDATES ?? 50);
const fuzzRuns = Number(process.env.FUZZ_RUNS ?? 500);
const noValidation = () => ({ valid: true, errors: [], warnings: [] });

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0
    ? 0
    : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
};

function collect(
  proc: ChildProcess,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (chunk) => {
    stdout += chunk;
  });
  proc.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((done) => proc.on('exit', (code) => done({ code, stdout, stderr })));
}

async function killTrialsOnJsonFile(child: string, directory: string) {
  const folder = join(directory, 'kill');
  const path = join(folder, 'registry.json');
  await mkdir(folder, { recursive: true });
  const registry = createRegistry({
    storage: createJsonFileStorage({ path }),
    encryptionKey: Buffer.alloc(32, 7).toString('base64'),
    validateConfig: noValidation,
  });
  // A canary key stored (encrypted) in the file: it must never appear on disk in clear.
  const canary = `canary-${randomUUID()}`;
  await registry.models.register({
    name: 'seed',
    provider: 'openai-compatible',
    baseUrl: 'http://127.0.0.1:1/v1',
    modelId: 'm',
    apiKey: canary,
    description: 'x'.repeat(1000),
  });
  const acknowledged = new Set<string>();
  let unreadable = 0;
  let lockLeft = 0;
  let maxAcksPerTrial = 0;
  let maxLoad = 0;
  const firstWriteMs: number[] = [];
  const takeoverMs: number[] = [];
  const writeAfterTakeoverMs: number[] = [];
  for (let trial = 0; trial < killTrials; trial++) {
    let acks = 0;
    await new Promise<void>((done) => {
      const proc = spawn(process.execPath, [child, 'register', path, `k${trial}`], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let buffer = '';
      let timer: NodeJS.Timeout | undefined;
      proc.stdout?.on('data', (chunk: Buffer) => {
        buffer += chunk.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          if (!line.startsWith('ack ')) continue;
          acks += 1;
          acknowledged.add(line.slice(4));
          timer ??= setTimeout(() => proc.kill('SIGKILL'), Math.random() * 30);
        }
      });
      proc.on('exit', () => {
        clearTimeout(timer);
        done();
      });
    });
    maxAcksPerTrial = Math.max(maxAcksPerTrial, acks);
    maxLoad = Math.max(maxLoad, loadavg()[0]!);
    try {
      parseRegistryFile(await readFile(path, 'utf8'));
    } catch {
      unreadable += 1;
    }
    if (existsSync(`${path}.lock`)) lockLeft += 1;
    // Odd trials split the first write into taking over the killed writer's lock and the write
    // itself (load, change, write with fsync); even trials time the plain write, as a user does.
    const started = performance.now();
    if (trial % 2 === 1) {
      await (await acquireFileLock(path))();
      takeoverMs.push(performance.now() - started);
    }
    const writeStarted = performance.now();
    await registry.models.register({ name: `after-${trial}`, provider: 'ollama', modelId: 'm' });
    const ended = performance.now();
    firstWriteMs.push(ended - started);
    if (trial % 2 === 1) writeAfterTakeoverMs.push(ended - writeStarted);
  }
  const text = await readFile(path, 'utf8');
  const names = new Set(parseRegistryFile(text).models.map((model) => model.name));
  const lost = [...acknowledged].filter((name) => !names.has(name)).length;
  const entries = await readdir(folder);
  const tempFiles = entries.filter((entry) => /^registry\.json\.\d+$/.test(entry)).length;
  const staging = entries.filter((entry) => entry.includes('.staging-')).length;
  let canaryOnDisk = 0;
  for (const entry of entries) {
    const file = join(folder, entry);
    if (statSync(file).isFile() && (await readFile(file, 'utf8')).includes(canary))
      canaryOnDisk += 1;
  }
  await registry.close();
  const ms = (values: number[]) =>
    `${percentile(values, 0.5).toFixed(0)} / ${percentile(values, 0.95).toFixed(0)} / ${Math.max(...values).toFixed(0)}`;
  return {
    summary: {
      trials: killTrials,
      acknowledged: acknowledged.size,
      lost,
      unreadable,
      tempFiles,
      staging,
      canaryOnDisk,
      'file MB': Number((text.length / 1e6).toFixed(2)),
      models: names.size,
      'max acks/trial': maxAcksPerTrial,
    },
    timing: {
      'lock held by the killed writer': `${lockLeft} of ${killTrials} trials`,
      'first write ms (p50 / p95 / max)': ms(firstWriteMs),
      'of it, lock takeover ms': ms(takeoverMs),
      'of it, the write ms': ms(writeAfterTakeoverMs),
      'first writes over 1 s': firstWriteMs.filter((value) => value > 1000).length,
      'max load average (1 min)': maxLoad.toFixed(2),
    },
  };
}

async function concurrentProcesses(child: string, location: string, open: () => StorageAdapter) {
  const registry = createRegistry({ storage: open(), validateConfig: noValidation });
  const counter = await registry.models.register({
    name: 'counter',
    provider: 'ollama',
    modelId: 'm',
    description: '0',
  });
  const results = await Promise.all(
    Array.from({ length: processes }, (_, index) =>
      collect(
        spawn(process.execPath, [child, 'update', location, `p${index}`, String(updates)], {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, TINYLLM_REPORT_CONFLICTS: '1' },
        }),
      ),
    ),
  );
  const failed = results.filter((result) => result.code !== 0);
  const conflicts = results.reduce(
    (sum, result) => sum + Number(/conflicts (\d+)/.exec(result.stdout)?.[1] ?? 0),
    0,
  );
  const final = await registry.models.get(counter.id);
  await registry.close();
  return {
    writers: `${processes} processes × ${updates}`,
    lost: processes * updates - Number(final.description),
    conflicts,
    otherErrors: failed.length,
    detail: failed[0]?.stderr.slice(0, 200) ?? '',
  };
}

async function concurrentWriters(open: () => StorageAdapter | Promise<StorageAdapter>) {
  const storage = await open();
  const registry = createRegistry({ storage, validateConfig: noValidation });
  const counter = await registry.models.register({
    name: 'counter',
    provider: 'ollama',
    modelId: 'm',
    description: '0',
  });
  let conflicts = 0;
  let otherErrors = 0;
  await Promise.all(
    Array.from({ length: processes * 4 }, async () => {
      for (let index = 0; index < updates; index++) {
        for (;;) {
          const current = await registry.models.get(counter.id);
          try {
            await registry.models.update(counter.id, {
              revision: current.revision,
              description: String(Number(current.description) + 1),
            });
            break;
          } catch (error) {
            if (TinyLLMError.hasCode(error, 'CONFLICT')) conflicts += 1;
            else {
              otherErrors += 1;
              break;
            }
          }
        }
      }
    }),
  );
  const final = await registry.models.get(counter.id);
  await registry.close();
  return {
    writers: `${processes * 4} writers × ${updates}`,
    lost: processes * 4 * updates - Number(final.description) - otherErrors,
    conflicts,
    otherErrors,
    detail: '',
  };
}

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.constantFrom('\u0000', 'a\uD800', '\uDC00b', '🙂', 'ok-name', '../x', 'a@b'),
);
const registerInput = fc.record(
  {
    name: text,
    provider: fc.oneof(
      fc.constantFrom('ollama', 'huggingface', 'transformers', 'openai-compatible'),
      text,
    ),
    modelId: text,
    baseUrl: fc.oneof(fc.constant('http://127.0.0.1:1'), text, fc.constant(null)),
    description: text,
    contextLength: fc.oneof(
      fc.integer(),
      fc.constantFrom(2 ** 31, 2 ** 31 - 1, 2 ** 53),
      fc.double(),
      fc.constant(null),
    ),
    tags: fc.array(text, { maxLength: 4 }),
    options: fc.oneof(
      fc.constant(null),
      fc.dictionary(text, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
    ),
    provenance: fc.oneof(
      fc.constant(null),
      fc.object({ maxDepth: 2 }),
      fc.record(
        { trainingMethod: text, architecture: text, quantization: text },
        { requiredKeys: [] },
      ),
    ),
    apiKey: fc.oneof(text, fc.constant(null)),
    id: text,
  },
  { requiredKeys: [] },
);

async function fuzz(open: () => StorageAdapter | Promise<StorageAdapter>) {
  const storage = await open();
  const registry = createRegistry({
    storage,
    encryptionKey: Buffer.alloc(32, 3).toString('base64'),
    ownerId: 'fuzzer',
    validateConfig: noValidation,
  });
  let runs = 0;
  let accepted = 0;
  let typed = 0;
  const untyped: string[] = [];
  const attempt = async (call: () => Promise<unknown>) => {
    runs += 1;
    try {
      await call();
      accepted += 1;
    } catch (error) {
      if (
        TinyLLMError.isInstance(error) &&
        ['INVALID_REQUEST', 'CONFLICT', 'NOT_FOUND'].includes(error.code)
      )
        typed += 1;
      else untyped.push(String(error).slice(0, 160));
    }
  };
  await fc.assert(
    fc.asyncProperty(
      registerInput,
      text,
      fc.jsonValue({ maxDepth: 2 }),
      async (input, query, config) => {
        await attempt(async () => {
          const record = await registry.models.register(input as never);
          expect(await registry.models.get(record.id), record);
        });
        await attempt(() => registry.models.list({ search: query, tag: query } as never));
        await attempt(() =>
          registry.configs.save({ name: `c${runs}`, config: { value: config } as never }),
        );
        await attempt(() => registry.models.get(query));
      },
    ),
    { numRuns: fuzzRuns },
  );
  await registry.close();
  return { runs, accepted, typed, untyped: untyped.length, example: untyped[0] ?? '' };
}

function expect(actual: unknown, expected: unknown) {
  if (JSON.stringify(actual) !== JSON.stringify(expected))
    throw new Error('read back differs from what was written');
}

async function main() {
  // Every adapter, pg included: without a server URL, start embedded PostgreSQL as the tests do.
  const stopPostgres = await startPostgres();
  const pgUrl = process.env.TINYLLM_TEST_PG_URL;
  const directory = await mkdtemp(join(tmpdir(), 'tinyllm-reliability-'));
  const here = fileURLToPath(new URL('.', import.meta.url));
  const benchOut = resolve(here, '.out');
  await mkdir(benchOut, { recursive: true });
  const child = await bundleFixture(resolve(here, '../test/fixtures/json-writer.ts'), benchOut);
  const pglite = await PGlite.create();
  let schemaCounter = 0;
  const adapters: Array<[string, () => StorageAdapter | Promise<StorageAdapter>]> = [
    ['memory', () => createMemoryStorage()],
    [
      'json-file',
      () => createJsonFileStorage({ path: join(directory, `fuzz-${++schemaCounter}.json`) }),
    ],
    [
      'pglite',
      () => createPostgresStorage({ client: pglite, schema: `reliability_${++schemaCounter}` }),
    ],
    ...(pgUrl
      ? ([
          [
            'pg',
            () =>
              createPostgresStorage({
                client: pgUrl,
                schema: `reliability_${Date.now()}_${++schemaCounter}`,
              }),
          ],
        ] as Array<[string, () => StorageAdapter]>)
      : []),
  ];
  try {
    console.log(`\nKill -9 trials on the JSON-file store (${killTrials})`);
    console.log(
      `load average at start: ${loadavg()
        .map((value) => value.toFixed(2))
        .join(' ')}`,
    );
    const kills = await killTrialsOnJsonFile(child, directory);
    console.table([kills.summary]);
    console.table(kills.timing);
    console.log(
      `load average after: ${loadavg()
        .map((value) => value.toFixed(2))
        .join(' ')}`,
    );

    console.log('\nConcurrent revision-checked updates of one counter');
    const concurrency: Record<string, unknown>[] = [];
    concurrency.push({
      adapter: 'memory',
      ...(await concurrentWriters(() => createMemoryStorage())),
    });
    const jsonPath = join(directory, 'concurrent.json');
    concurrency.push({
      adapter: 'json-file',
      ...(await concurrentProcesses(child, jsonPath, () =>
        createJsonFileStorage({ path: jsonPath }),
      )),
    });
    concurrency.push({
      adapter: 'pglite',
      ...(await concurrentWriters(() =>
        createPostgresStorage({ client: pglite, schema: 'reliability_concurrency' }),
      )),
    });
    if (pgUrl) {
      const schema = `reliability_c${Date.now()}`;
      concurrency.push({
        adapter: 'pg',
        ...(await concurrentProcesses(child, `${pgUrl}#${schema}`, () =>
          createPostgresStorage({ client: pgUrl, schema }),
        )),
      });
    }
    console.table(concurrency);

    console.log(`\nFuzzed registry inputs (${fuzzRuns} cases × 4 calls per adapter)`);
    const fuzzing: Record<string, unknown>[] = [];
    for (const [name, open] of adapters) fuzzing.push({ adapter: name, ...(await fuzz(open)) });
    console.table(fuzzing);
    if (!pgUrl) console.log('(pg skipped: no PostgreSQL server could be started)');
  } finally {
    await pglite.close();
    await stopPostgres?.();
    await rm(directory, { recursive: true, force: true });
    await rm(benchOut, { recursive: true, force: true });
  }
}

await main();
