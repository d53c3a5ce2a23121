/**
 * The storage contract. Adapters hold records and enforce owner scoping, uniqueness and
 * optimistic concurrency atomically; the registry on top does validation, encryption and
 * everything else, so an adapter stays a thin mapping onto its medium.
 */
import type {
  AliasRecord,
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

/**
 * Whose usage a statistic counts. Usage is per owner: each event carries the owner of the
 * registry that recorded it (`null` for the global and administration views), and an event
 * with `null` owner belongs to the model's owner. `undefined` (administration): every event.
 */
export interface UsageOwner {
  ownerId: string | null;
  /** Whether events with a `null` owner count too (the caller owns the model). */
  includeUnowned: boolean;
}

/** Filters of an alias list. */
export interface AliasQuery {
  name?: string;
  modelRecordId?: string;
}

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
  usageStats(modelRecordId: string, query: UsageQuery, owner?: UsageOwner): Promise<UsageStats>;
  /** The raw usage records of one model in `[since, until)` matching `query` and `owner`. */
  usageRecords(
    modelRecordId: string,
    query: UsageQuery,
    owner?: UsageOwner,
  ): Promise<UsageRecord[]>;

  /** An alias by owner, family name and alias, if visible in `scope`. */
  getAlias(
    ownerId: string | null,
    name: string,
    alias: string,
    scope: OwnerScope,
  ): Promise<AliasRecord | undefined>;
  listAliases(query: AliasQuery, scope: OwnerScope): Promise<AliasRecord[]>;
  /**
   * Creates (`expectedRevision` null; CONFLICT when it exists) or moves an alias (CONFLICT when
   * its revision is no longer `expectedRevision`).
   */
  putAlias(alias: AliasRecord, expectedRevision: number | null, scope: OwnerScope): Promise<void>;
  deleteAlias(id: string, scope: OwnerScope): Promise<boolean>;

  /** Releases files, locks and connections. Idempotent. */
  close(): Promise<void>;
}
