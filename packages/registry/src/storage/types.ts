/**
 * The storage contract. Adapters hold records and enforce owner scoping, uniqueness and
 * optimistic concurrency atomically; the registry on top does validation, encryption and
 * everything else, so an adapter stays a thin mapping onto its medium.
 */
import type {
  ModelQuery,
  Page,
  SavedConfig,
  StoredModel,
  UsageQuery,
  UsageRecord,
  UsageStats,
} from '../records';

/**
 * Who is asking. An owner sees global models and their own and may change only their own; the
 * global scope sees and changes only global records; `all` (administration) sees everything.
 */
export type OwnerScope = { type: 'owner'; ownerId: string } | { type: 'global' } | { type: 'all' };

/** Filters of a config list. */
export interface ConfigQuery {
  templateType?: string;
  valid?: boolean;
  limit: number;
  offset: number;
}

/**
 * A place to keep registry records. Every method applies `scope`: records outside it behave as
 * if they did not exist (reads return `undefined`, writes throw NOT_FOUND), so a user cannot
 * even learn that another user's model exists.
 *
 * Errors: duplicate `(ownerId, name)` or id → CONFLICT; stale `expectedRevision` → CONFLICT
 * with nothing written.
 */
export interface StorageAdapter {
  /** Short name for messages and benchmarks (`memory`, `json-file`, `postgres`). */
  readonly kind: string;

  insertModel(model: StoredModel): Promise<void>;
  getModel(id: string, scope: OwnerScope): Promise<StoredModel | undefined>;
  getModelByName(
    name: string,
    ownerId: string | null,
    scope: OwnerScope,
  ): Promise<StoredModel | undefined>;
  listModels(query: ModelQuery, scope: OwnerScope): Promise<Page<StoredModel>>;
  /** Replaces the model with `model.id` if its stored revision is still `expectedRevision`. */
  replaceModel(model: StoredModel, expectedRevision: number, scope: OwnerScope): Promise<void>;
  /** Deletes if writable in `scope`; false when there was nothing to delete. */
  deleteModel(id: string, scope: OwnerScope): Promise<boolean>;

  insertConfig(config: SavedConfig): Promise<void>;
  getConfig(id: string, scope: OwnerScope): Promise<SavedConfig | undefined>;
  getConfigByName(
    name: string,
    ownerId: string | null,
    scope: OwnerScope,
  ): Promise<SavedConfig | undefined>;
  listConfigs(query: ConfigQuery, scope: OwnerScope): Promise<Page<SavedConfig>>;
  replaceConfig(config: SavedConfig, expectedRevision: number, scope: OwnerScope): Promise<void>;
  deleteConfig(id: string, scope: OwnerScope): Promise<boolean>;
  /** Atomically increments `timesUsed` and sets `lastUsedAt`; returns the new record. */
  markConfigUsed(id: string, at: string, scope: OwnerScope): Promise<SavedConfig>;

  appendUsage(records: UsageRecord[]): Promise<void>;
  usageStats(modelRecordId: string, query: UsageQuery): Promise<UsageStats>;

  /** Releases files, locks and connections. Idempotent. */
  close(): Promise<void>;
}
