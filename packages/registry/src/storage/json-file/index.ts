/**
 * JSON-file storage, the embedded default: one human-readable `registry.json` (models and saved
 * configs) plus an append-only `registry.usage.jsonl` beside it for usage events.
 *
 * Writes are atomic (write-file-atomic: temp file, fsync, rename) and every read-modify-write
 * runs under a cross-process lock, so concurrent processes lose nothing and a process killed
 * mid-write leaves the previous valid file. Reads take no lock: a rename is atomic, so a reader
 * always sees a whole file, and a parsed copy is cached until the file's identity changes.
 *
 * @packageDocumentation
 */
import * as fs from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { TinyLLMError } from '@tinyllm/core';
import writeFileAtomic from 'write-file-atomic';
import {
  type ModelQuery,
  type SavedConfig,
  type StoredModel,
  type UsageQuery,
  type UsageRecord,
  usageRecordSchema,
} from '../../records';
import { type RegistryFile, parseRegistryFile } from '../../registry-file';
import { RecordState } from '../record-state';
import { computeUsageStats, matchesUsageOwner, matchesUsageQuery } from '../shared';
import type { ConfigQuery, OwnerScope, StorageAdapter, UsageOwner } from '../types';
import { type FileLockOptions, acquireFileLock } from './file-lock';

export type { FileLockOptions } from './file-lock';

/** Settings of {@link createJsonFileStorage}. */
export interface JsonFileStorageSettings {
  /** Path of `registry.json`. Created on the first write, with its folder. */
  path: string;
  /** Path of the usage log. Default: `path` with `.json` replaced by `.usage.jsonl`. */
  usagePath?: string;
  /** Cross-process lock settings. */
  lock?: FileLockOptions;
}

interface Loaded {
  /** Identity of the file the state was read from; `null` when there was no file. */
  identity: string | null;
  state: RecordState;
}

const identityOf = (stat: { ino: number; size: number; mtimeMs: number }) =>
  `${stat.ino}:${stat.size}:${stat.mtimeMs}`;

/**
 * Creates storage in a JSON file.
 *
 * @example
 * ```ts
 * import { createRegistry } from '@tinyllm/registry';
 * import { createJsonFileStorage } from '@tinyllm/registry/json-file';
 *
 * const registry = createRegistry({ storage: createJsonFileStorage({ path: './registry.json' }) });
 * ```
 */
export function createJsonFileStorage(settings: JsonFileStorageSettings): StorageAdapter {
  const path = resolve(settings.path);
  const usagePath = resolve(settings.usagePath ?? path.replace(/(\.json)?$/, '.usage.jsonl'));
  let cache: Loaded | undefined;
  // Serializes this process's writers so they queue here instead of polling the file lock.
  let queue: Promise<unknown> = Promise.resolve();

  async function load(): Promise<Loaded> {
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(path, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        if (cache?.identity !== null || cache === undefined) {
          cache = { identity: null, state: new RecordState() };
        }
        return cache;
      }
      throw new TinyLLMError({
        code: 'PROVIDER_UNAVAILABLE',
        message: `Cannot read ${path}: ${(error as Error).message}`,
        cause: error,
      });
    }
    try {
      // fstat and read the same open file, so the identity matches the content.
      const identity = identityOf(await handle.stat());
      if (cache !== undefined && cache.identity === identity) return cache;
      const text = await handle.readFile('utf8');
      cache = { identity, state: RecordState.from(parseRegistryFile(text, path)) };
      return cache;
    } finally {
      await handle.close();
    }
  }

  async function write(state: RecordState): Promise<void> {
    const file: RegistryFile = {
      format: 'tinyllm-registry',
      version: 1,
      ...state.snapshot(),
    };
    await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, { fsync: true });
    await fsyncDirectory(dirname(path));
    const stat = await fs.stat(path);
    cache = { identity: identityOf(stat), state };
  }

  /**
   * Takes the file lock of `file`, creating the folder first: a registry in a folder that does
   * not exist yet is created on its first write rather than failing.
   */
  async function lock(file: string): Promise<() => Promise<void>> {
    try {
      await fs.mkdir(dirname(file), { recursive: true });
    } catch (error) {
      throw new TinyLLMError({
        code: 'INVALID_CONFIG',
        message: `Cannot create the folder of ${file}: ${(error as Error).message}`,
        path: 'path',
        cause: error,
      });
    }
    return acquireFileLock(file, settings.lock);
  }

  function exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = queue.then(task, task);
    queue = run.catch(() => {});
    return run;
  }

  /** Runs `change` on fresh state under the lock and writes the result if it did not throw. */
  function mutate<T>(change: (state: RecordState) => T): Promise<T> {
    return exclusive(async () => {
      const release = await lock(path);
      try {
        await removeAbandonedTempFiles(path);
        const loaded = await load();
        const result = change(loaded.state);
        try {
          await write(loaded.state);
        } catch (error) {
          cache = undefined; // the cached state holds a change the file does not
          throw new TinyLLMError({
            code: 'PROVIDER_UNAVAILABLE',
            message: `Cannot write ${path}: ${(error as Error).message}`,
            cause: error,
          });
        }
        return result;
      } finally {
        await release();
      }
    });
  }

  const read = async <T>(query: (state: RecordState) => T): Promise<T> =>
    query((await load()).state);

  async function readUsage(): Promise<UsageRecord[]> {
    let text: string;
    try {
      text = await fs.readFile(usagePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const records: UsageRecord[] = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const parsed = usageRecordSchema.safeParse(JSON.parse(line));
        if (parsed.success) records.push(parsed.data);
      } catch {
        // A line cut short by a killed writer: skip it, every other line is whole.
      }
    }
    return records;
  }

  async function selectUsage(
    modelRecordId: string,
    query: UsageQuery,
    owner: UsageOwner | undefined,
  ): Promise<UsageRecord[]> {
    return (await readUsage()).filter(
      (record) =>
        record.modelRecordId === modelRecordId &&
        matchesUsageQuery(record, query) &&
        matchesUsageOwner(record, owner),
    );
  }

  return {
    kind: 'json-file',
    insertModel: (model: StoredModel) => mutate((state) => state.insertModel(model)),
    getModel: (id: string, scope: OwnerScope) => read((state) => state.getModel(id, scope)),
    getModelByName: (name: string, ownerId: string | null, scope: OwnerScope) =>
      read((state) => state.getModelByName(name, ownerId, scope)),
    listModels: (query: ModelQuery, scope: OwnerScope) =>
      read((state) => state.listModels(query, scope)),
    replaceModel: (model: StoredModel, expectedRevision: number, scope: OwnerScope) =>
      mutate((state) => state.replaceModel(model, expectedRevision, scope)),
    deleteModel: async (id: string, scope: OwnerScope) => {
      // Skip the write (and the lock) when there is nothing to delete.
      if ((await read((state) => state.getModel(id, scope))) === undefined) return false;
      return mutate((state) => state.deleteModel(id, scope));
    },
    insertConfig: (config: SavedConfig) => mutate((state) => state.insertConfig(config)),
    getConfig: (id: string, scope: OwnerScope) => read((state) => state.getConfig(id, scope)),
    getConfigByName: (name: string, ownerId: string | null, scope: OwnerScope) =>
      read((state) => state.getConfigByName(name, ownerId, scope)),
    listConfigs: (query: ConfigQuery, scope: OwnerScope) =>
      read((state) => state.listConfigs(query, scope)),
    replaceConfig: (config: SavedConfig, expectedRevision: number, scope: OwnerScope) =>
      mutate((state) => state.replaceConfig(config, expectedRevision, scope)),
    deleteConfig: async (id: string, scope: OwnerScope) => {
      if ((await read((state) => state.getConfig(id, scope))) === undefined) return false;
      return mutate((state) => state.deleteConfig(id, scope));
    },
    markConfigUsed: (id: string, at: string, scope: OwnerScope) =>
      mutate((state) => state.markConfigUsed(id, at, scope)),
    appendUsage: (records: UsageRecord[]) =>
      exclusive(async () => {
        if (records.length === 0) return;
        const release = await lock(usagePath);
        try {
          // A killed writer may have left a partial last line; start on a fresh line.
          let prefix = '';
          try {
            const handle = await fs.open(usagePath, 'r');
            try {
              const { size } = await handle.stat();
              if (size > 0) {
                const last = Buffer.alloc(1);
                await handle.read(last, 0, 1, size - 1);
                if (last[0] !== 0x0a) prefix = '\n';
              }
            } finally {
              await handle.close();
            }
          } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          }
          const lines = records.map((record) => JSON.stringify(record)).join('\n');
          await fs.appendFile(usagePath, `${prefix}${lines}\n`, 'utf8');
        } finally {
          await release();
        }
      }),
    usageStats: async (modelRecordId: string, query: UsageQuery, owner?: UsageOwner) =>
      computeUsageStats(modelRecordId, await selectUsage(modelRecordId, query, owner)),
    usageRecords: (modelRecordId: string, query: UsageQuery, owner?: UsageOwner) =>
      selectUsage(modelRecordId, query, owner),
    getAlias: (ownerId, name, alias, scope) =>
      read((state) => state.getAlias(ownerId, name, alias, scope)),
    listAliases: (query, scope) => read((state) => state.listAliases(query, scope)),
    putAlias: (alias, expectedRevision, scope) =>
      mutate((state) => state.putAlias(alias, expectedRevision, scope)),
    deleteAlias: async (id, scope) => mutate((state) => state.deleteAlias(id, scope)),
    close: async () => {
      await queue;
      cache = undefined;
    },
  };
}

/**
 * Removes temp files of atomic writes cut short by a kill (write-file-atomic names them
 * `<file>.<decimal number>` and cleans them only on a normal exit). Runs under the file lock:
 * every writer of the file holds it while its temp file exists, so any such file seen now
 * belongs to a writer that is gone.
 */
async function removeAbandonedTempFiles(file: string): Promise<void> {
  const prefix = `${basename(file)}.`;
  let entries: string[];
  try {
    entries = await fs.readdir(dirname(file));
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.startsWith(prefix) || !/^\d{1,10}$/.test(entry.slice(prefix.length))) continue;
    await fs.rm(join(dirname(file), entry), { force: true });
  }
}

async function fsyncDirectory(directory: string): Promise<void> {
  // Makes the rename itself durable; some platforms cannot open directories, which is fine.
  try {
    const handle = await fs.open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {}
}
