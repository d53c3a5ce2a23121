/**
 * Records held in memory with the indexes the contract needs (id, owner + name). The memory
 * adapter is a thin async wrapper around it; the JSON-file adapter loads it from the file,
 * applies one change under the file lock and writes it back.
 */
import { notFound } from '../errors';
import type { AliasRecord, ModelQuery, Page, SavedConfig, StoredModel } from '../records';
import {
  canRead,
  canWrite,
  checkReplace,
  compareByName,
  duplicateName,
  matchesConfigQuery,
  matchesModelQuery,
  toPage,
} from './shared';
import type { AliasQuery, ConfigQuery, OwnerScope } from './types';
import { conflict } from '../errors';

const nameKey = (ownerId: string | null, name: string) => `${ownerId ?? ''}\u0000${name}`;

/** Copies so callers can never mutate stored records through a returned object. */
const copy = <T>(value: T): T => structuredClone(value);

/** The records of a registry, as the JSON file stores them. */
export interface RegistrySnapshot {
  models: StoredModel[];
  configs: SavedConfig[];
  aliases: AliasRecord[];
}

const aliasKey = (ownerId: string | null, name: string, alias: string) =>
  `${ownerId ?? ''}\u0000${name}\u0000${alias}`;

export class RecordState {
  private readonly models = new Map<string, StoredModel>();
  private readonly modelNames = new Map<string, string>();
  private readonly configs = new Map<string, SavedConfig>();
  private readonly configNames = new Map<string, string>();
  private readonly aliases = new Map<string, AliasRecord>();
  private readonly aliasNames = new Map<string, string>();

  static from(snapshot: RegistrySnapshot): RecordState {
    const state = new RecordState();
    for (const model of snapshot.models) state.insertModel(model, false);
    for (const config of snapshot.configs) state.insertConfig(config, false);
    for (const alias of snapshot.aliases) state.putAlias(alias, null, { type: 'all' }, false);
    return state;
  }

  snapshot(): RegistrySnapshot {
    return {
      models: [...this.models.values()],
      configs: [...this.configs.values()],
      aliases: [...this.aliases.values()],
    };
  }

  insertModel(model: StoredModel, clone = true): void {
    if (this.models.has(model.id)) throw conflict(`A model with id "${model.id}" already exists.`);
    const key = nameKey(model.ownerId, model.name);
    if (this.modelNames.has(key)) throw duplicateName('model', model.name, model.ownerId);
    this.models.set(model.id, clone ? copy(model) : model);
    this.modelNames.set(key, model.id);
  }

  getModel(id: string, scope: OwnerScope): StoredModel | undefined {
    const model = this.models.get(id);
    return model !== undefined && canRead(model.ownerId, scope) ? copy(model) : undefined;
  }

  getModelByName(name: string, ownerId: string | null, scope: OwnerScope) {
    const id = this.modelNames.get(nameKey(ownerId, name));
    return id === undefined ? undefined : this.getModel(id, scope);
  }

  listModels(query: ModelQuery, scope: OwnerScope): Page<StoredModel> {
    const matches: StoredModel[] = [];
    for (const model of this.models.values()) {
      if (matchesModelQuery(model, query, scope)) matches.push(model);
    }
    const page = toPage(matches, query.limit, query.offset);
    return { ...page, items: page.items.map(copy) };
  }

  replaceModel(model: StoredModel, expectedRevision: number, scope: OwnerScope): void {
    const current = this.models.get(model.id);
    checkReplace('model', current, model, expectedRevision, scope);
    const oldKey = nameKey(current!.ownerId, current!.name);
    const newKey = nameKey(model.ownerId, model.name);
    if (oldKey !== newKey && this.modelNames.has(newKey)) {
      throw duplicateName('model', model.name, model.ownerId);
    }
    this.modelNames.delete(oldKey);
    this.modelNames.set(newKey, model.id);
    this.models.set(model.id, copy(model));
  }

  deleteModel(id: string, scope: OwnerScope): boolean {
    const current = this.models.get(id);
    if (current === undefined || !canWrite(current.ownerId, scope)) return false;
    this.models.delete(id);
    this.modelNames.delete(nameKey(current.ownerId, current.name));
    return true;
  }

  insertConfig(config: SavedConfig, clone = true): void {
    if (this.configs.has(config.id)) {
      throw conflict(`A config with id "${config.id}" already exists.`);
    }
    const key = nameKey(config.ownerId, config.name);
    if (this.configNames.has(key)) throw duplicateName('config', config.name, config.ownerId);
    this.configs.set(config.id, clone ? copy(config) : config);
    this.configNames.set(key, config.id);
  }

  getConfig(id: string, scope: OwnerScope): SavedConfig | undefined {
    const config = this.configs.get(id);
    return config !== undefined && canRead(config.ownerId, scope) ? copy(config) : undefined;
  }

  getConfigByName(name: string, ownerId: string | null, scope: OwnerScope) {
    const id = this.configNames.get(nameKey(ownerId, name));
    return id === undefined ? undefined : this.getConfig(id, scope);
  }

  listConfigs(query: ConfigQuery, scope: OwnerScope): Page<SavedConfig> {
    const matches: SavedConfig[] = [];
    for (const config of this.configs.values()) {
      if (matchesConfigQuery(config, query, scope)) matches.push(config);
    }
    const page = toPage(matches, query.limit, query.offset);
    return { ...page, items: page.items.map(copy) };
  }

  replaceConfig(config: SavedConfig, expectedRevision: number, scope: OwnerScope): void {
    const current = this.configs.get(config.id);
    checkReplace('config', current, config, expectedRevision, scope);
    const oldKey = nameKey(current!.ownerId, current!.name);
    const newKey = nameKey(config.ownerId, config.name);
    if (oldKey !== newKey && this.configNames.has(newKey)) {
      throw duplicateName('config', config.name, config.ownerId);
    }
    this.configNames.delete(oldKey);
    this.configNames.set(newKey, config.id);
    this.configs.set(config.id, copy(config));
  }

  deleteConfig(id: string, scope: OwnerScope): boolean {
    const current = this.configs.get(id);
    if (current === undefined || !canWrite(current.ownerId, scope)) return false;
    this.configs.delete(id);
    this.configNames.delete(nameKey(current.ownerId, current.name));
    return true;
  }

  markConfigUsed(id: string, at: string, scope: OwnerScope): SavedConfig {
    const current = this.configs.get(id);
    // A use is a write: global configs are read-only to users, so their counter is too.
    if (current === undefined || !canWrite(current.ownerId, scope)) throw notFound('config', id);
    const next: SavedConfig = {
      ...current,
      timesUsed: current.timesUsed + 1,
      lastUsedAt: at,
    };
    this.configs.set(id, next);
    return copy(next);
  }

  getAlias(ownerId: string | null, name: string, alias: string, scope: OwnerScope) {
    const id = this.aliasNames.get(aliasKey(ownerId, name, alias));
    const record = id === undefined ? undefined : this.aliases.get(id);
    return record !== undefined && canRead(record.ownerId, scope) ? copy(record) : undefined;
  }

  listAliases(query: AliasQuery, scope: OwnerScope): AliasRecord[] {
    const matches: AliasRecord[] = [];
    for (const record of this.aliases.values()) {
      if (!canRead(record.ownerId, scope)) continue;
      if (query.name !== undefined && record.name !== query.name) continue;
      if (query.modelRecordId !== undefined && record.modelRecordId !== query.modelRecordId) {
        continue;
      }
      matches.push(copy(record));
    }
    return matches.sort(
      (a, b) => compareByName(a, b) || (a.alias < b.alias ? -1 : a.alias > b.alias ? 1 : 0),
    );
  }

  putAlias(
    record: AliasRecord,
    expectedRevision: number | null,
    scope: OwnerScope,
    clone = true,
  ): void {
    const key = aliasKey(record.ownerId, record.name, record.alias);
    const existingId = this.aliasNames.get(key);
    if (expectedRevision === null) {
      if (existingId !== undefined || this.aliases.has(record.id)) {
        throw conflict(`The alias "${record.name}@${record.alias}" already exists.`, {
          name: record.name,
          alias: record.alias,
        });
      }
      if (!canWrite(record.ownerId, scope))
        throw notFound('alias', `${record.name}@${record.alias}`);
    } else {
      checkReplace('alias', this.aliases.get(record.id), record, expectedRevision, scope);
    }
    this.aliases.set(record.id, clone ? copy(record) : record);
    this.aliasNames.set(key, record.id);
  }

  deleteAlias(id: string, scope: OwnerScope): boolean {
    const current = this.aliases.get(id);
    if (current === undefined || !canWrite(current.ownerId, scope)) return false;
    this.aliases.delete(id);
    this.aliasNames.delete(aliasKey(current.ownerId, current.name, current.alias));
    return true;
  }
}
