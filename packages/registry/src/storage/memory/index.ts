/**
 * In-memory storage: for tests, demos and short-lived processes. Nothing survives the process.
 */
import type {
  ModelQuery,
  Page,
  SavedConfig,
  StoredModel,
  UsageQuery,
  UsageRecord,
  UsageStats,
} from '../../records';
import { RecordState } from '../record-state';
import { computeUsageStats, matchesUsageQuery } from '../shared';
import type { ConfigQuery, OwnerScope, StorageAdapter } from '../types';

/** Settings of {@link createMemoryStorage}. None yet; the interface keeps the plug-in shape. */
export type MemoryStorageSettings = Record<string, never>;

/**
 * Creates storage that keeps records in this process's memory.
 *
 * @example
 * ```ts
 * const registry = createRegistry({ storage: createMemoryStorage() });
 * ```
 */
export function createMemoryStorage(_settings: MemoryStorageSettings = {}): StorageAdapter {
  const state = new RecordState();
  const usage = new Map<string, UsageRecord[]>();
  return {
    kind: 'memory',
    async insertModel(model: StoredModel) {
      state.insertModel(model);
    },
    async getModel(id: string, scope: OwnerScope) {
      return state.getModel(id, scope);
    },
    async getModelByName(name: string, ownerId: string | null, scope: OwnerScope) {
      return state.getModelByName(name, ownerId, scope);
    },
    async listModels(query: ModelQuery, scope: OwnerScope): Promise<Page<StoredModel>> {
      return state.listModels(query, scope);
    },
    async replaceModel(model: StoredModel, expectedRevision: number, scope: OwnerScope) {
      state.replaceModel(model, expectedRevision, scope);
    },
    async deleteModel(id: string, scope: OwnerScope) {
      return state.deleteModel(id, scope);
    },
    async insertConfig(config: SavedConfig) {
      state.insertConfig(config);
    },
    async getConfig(id: string, scope: OwnerScope) {
      return state.getConfig(id, scope);
    },
    async getConfigByName(name: string, ownerId: string | null, scope: OwnerScope) {
      return state.getConfigByName(name, ownerId, scope);
    },
    async listConfigs(query: ConfigQuery, scope: OwnerScope) {
      return state.listConfigs(query, scope);
    },
    async replaceConfig(config: SavedConfig, expectedRevision: number, scope: OwnerScope) {
      state.replaceConfig(config, expectedRevision, scope);
    },
    async deleteConfig(id: string, scope: OwnerScope) {
      return state.deleteConfig(id, scope);
    },
    async markConfigUsed(id: string, at: string, scope: OwnerScope) {
      return state.markConfigUsed(id, at, scope);
    },
    async appendUsage(records: UsageRecord[]) {
      for (const record of records) {
        const list = usage.get(record.modelRecordId) ?? [];
        list.push(structuredClone(record));
        usage.set(record.modelRecordId, list);
      }
    },
    async usageStats(modelRecordId: string, query: UsageQuery): Promise<UsageStats> {
      const records = (usage.get(modelRecordId) ?? []).filter((record) =>
        matchesUsageQuery(record, query),
      );
      return computeUsageStats(modelRecordId, records);
    },
    async close() {},
  };
}
