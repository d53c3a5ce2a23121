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
} from '../../records';
import { RecordState } from '../record-state';
import { computeUsageStats, matchesUsageOwner, matchesUsageQuery } from '../shared';
import type { ConfigQuery, OwnerScope, StorageAdapter, UsageOwner } from '../types';

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
  const select = (modelRecordId: string, query: UsageQuery, owner: UsageOwner | undefined) =>
    (usage.get(modelRecordId) ?? []).filter(
      (record) => matchesUsageQuery(record, query) && matchesUsageOwner(record, owner),
    );
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
    async usageStats(modelRecordId: string, query: UsageQuery, owner?: UsageOwner) {
      return computeUsageStats(modelRecordId, select(modelRecordId, query, owner));
    },
    async usageRecords(modelRecordId: string, query: UsageQuery, owner?: UsageOwner) {
      return select(modelRecordId, query, owner).map((record) => structuredClone(record));
    },
    async getAlias(ownerId, name, alias, scope) {
      return state.getAlias(ownerId, name, alias, scope);
    },
    async listAliases(query, scope) {
      return state.listAliases(query, scope);
    },
    async putAlias(alias, expectedRevision, scope) {
      state.putAlias(alias, expectedRevision, scope);
    },
    async deleteAlias(id, scope) {
      return state.deleteAlias(id, scope);
    },
    async close() {},
  };
}
