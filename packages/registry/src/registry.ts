/**
 * `createRegistry()`: validation, owner scoping, encryption, lineage, usage and import/export
 * on top of any {@link StorageAdapter}.
 */
import { randomUUID } from 'node:crypto';
import { type ModelHooks, TinyLLMError, type UsageEvent } from '@tinyllm/core';
import { usageEventSchema } from '@tinyllm/core/schemas';
import { validateConfig as builderValidateConfig } from '@tinyllm/config-builder';
import { conflict, notFound, parseOrThrow } from './errors';
import { type HubRequestOptions, defaultHubUrl, fetchHubModelMetadata } from './hub-import';
import {
  type ModelQueryInput,
  type ModelRecord,
  type Page,
  type RegisterModelInput,
  type SaveConfigInput,
  type SavedConfig,
  type StoredConfigIssue,
  type StoredModel,
  type UpdateModelInput,
  type UsageQuery,
  type UsageRecord,
  type UsageStats,
  modelQuerySchema,
  registerModelInputSchema,
  saveConfigInputSchema,
  updateModelInputSchema,
  usageQuerySchema,
} from './records';
import { type RegistryFile, parseRegistryFile } from './registry-file';
import {
  type EncryptionKey,
  SecretBox,
  encryptionKeyEnvironmentVariable,
  resolveKeys,
} from './secrets';
import { canWrite } from './storage/shared';
import type { OwnerScope, StorageAdapter } from './storage/types';

/** Result shape of a config validator (that of `validateConfig` in @tinyllm/config-builder). */
export interface ConfigValidationResult {
  valid: boolean;
  errors: ReadonlyArray<{ path: string; code: string; message: string }>;
  warnings: ReadonlyArray<{ path: string; code: string; message: string }>;
}

/** Settings of {@link createRegistry}. */
export interface RegistrySettings {
  storage: StorageAdapter;
  /**
   * Whose registry this is. A string: that user's view (global models plus their own; they may
   * change only their own). Omitted or `null`: the global view. `'*'`: administration (every
   * owner's records, e.g. for `rotateKey()`).
   */
  ownerId?: string | null;
  /** The key API keys are encrypted with (32 bytes, base64 or hex). Shorthand for `keys`. */
  encryptionKey?: string | Uint8Array;
  /**
   * Several keys for rotation: the first encrypts, all decrypt. Default: `encryptionKey`, else
   * the `TINYLLM_REGISTRY_KEY` environment variable.
   */
  keys?: EncryptionKey[];
  /** Hub URL for `importFromHub()`. Default `https://huggingface.co`. */
  hubUrl?: string;
  /** Fetch used for Hub requests. */
  fetch?: typeof globalThis.fetch;
  /** Validates saved training configs. Default: `validateConfig` of @tinyllm/config-builder. */
  validateConfig?: (config: unknown) => ConfigValidationResult;
  /** Called with errors of usage recording from hooks (hooks must never throw). */
  onHookError?: (error: unknown) => void;
  /** Clock, for tests. */
  now?: () => Date;
}

/** A model with the chain it was fine-tuned from and the models fine-tuned from it. */
export interface ModelLineage {
  model: ModelRecord;
  /** Parent first, then grandparent, … Stops at a model that is missing or not visible. */
  ancestors: ModelRecord[];
  /** Children, grandchildren, … in breadth-first order. */
  descendants: ModelRecord[];
}

/** Options of `registry.importFromHub()`. */
export interface HubImportOptions extends Omit<HubRequestOptions, 'hubUrl' | 'fetch'> {
  /** Registry name; default: the repo name. Re-imports append `-v2`, `-v3`, … */
  name?: string;
  /** Fields to set on the record (provider, baseUrl, tags, provenance fields, …). */
  overrides?: Partial<Omit<RegisterModelInput, 'name'>>;
}

/** What `importJson()` did. */
export interface ImportResult {
  models: { imported: number; skipped: Array<{ name: string; reason: string }> };
  configs: { imported: number; skipped: Array<{ name: string; reason: string }> };
}

/** A model registry. See {@link createRegistry}. */
export interface Registry {
  readonly models: {
    /** Registers a model; CONFLICT when the owner already has one with that name. */
    register(input: RegisterModelInput): Promise<ModelRecord>;
    /** A model by id or name (own models before global ones); NOT_FOUND when not visible. */
    get(idOrName: string): Promise<ModelRecord>;
    /** Like `get`, but `undefined` when missing. */
    find(idOrName: string): Promise<ModelRecord | undefined>;
    list(query?: ModelQueryInput): Promise<Page<ModelRecord>>;
    /**
     * Changes a model. `input.revision` must be the revision that was read: a stale write gets
     * CONFLICT and nothing is written.
     */
    update(idOrName: string, input: UpdateModelInput): Promise<ModelRecord>;
    delete(idOrName: string): Promise<void>;
    lineage(idOrName: string): Promise<ModelLineage>;
    /** Every import of the same Hub source, oldest version first. */
    versions(idOrName: string): Promise<ModelRecord[]>;
    /** The decrypted API key, or `undefined` when none is stored. The only way to read one. */
    reveal(idOrName: string): Promise<string | undefined>;
  };
  readonly configs: {
    /** Validates and saves a training config (invalid configs are saved with their errors). */
    save(input: SaveConfigInput): Promise<SavedConfig>;
    get(idOrName: string): Promise<SavedConfig>;
    list(query?: {
      templateType?: string;
      valid?: boolean;
      limit?: number;
      offset?: number;
    }): Promise<Page<SavedConfig>>;
    delete(idOrName: string): Promise<void>;
    /** Counts one use (atomically) and stamps `lastUsedAt`. */
    markUsed(idOrName: string): Promise<SavedConfig>;
  };
  readonly usage: {
    /** Stores usage events (as emitted by core's hooks) for a model. */
    record(idOrName: string, events: UsageEvent | UsageEvent[]): Promise<void>;
    stats(idOrName: string, query?: UsageQuery): Promise<UsageStats>;
  };
  /**
   * Hooks that record every request's usage for `model`. Recording is asynchronous and never
   * throws into the request; `flush()` waits for pending writes.
   */
  usageHooks(
    model: ModelRecord | string,
    extra?: { sessionId?: string; tags?: string[] },
  ): ModelHooks;
  /** Waits for usage writes started by hooks. */
  flush(): Promise<void>;
  /** Registers a model from the Hugging Face Hub with its provenance. */
  importFromHub(repoId: string, options?: HubImportOptions): Promise<ModelRecord>;
  /** The visible records as `registry.json` text; API keys only with `includeSecrets` (still encrypted). */
  exportJson(options?: { includeSecrets?: boolean }): Promise<string>;
  /** Imports `registry.json` text; records whose id or name exists are skipped. */
  importJson(text: string): Promise<ImportResult>;
  /** Re-encrypts every writable API key under the first configured key. */
  rotateKey(): Promise<{ rotated: number }>;
  close(): Promise<void>;
}

function scopeOf(ownerId: string | null | undefined): OwnerScope {
  if (ownerId === '*') return { type: 'all' };
  if (ownerId === undefined || ownerId === null) return { type: 'global' };
  return { type: 'owner', ownerId };
}

function toRecord(model: StoredModel): ModelRecord {
  const { apiKey, ...rest } = model;
  return { ...rest, hasApiKey: apiKey !== null, apiKeyId: apiKey?.keyId ?? null };
}

function keysFromSettings(settings: RegistrySettings): EncryptionKey[] {
  if (settings.keys !== undefined) return settings.keys;
  if (settings.encryptionKey !== undefined) return [{ key: settings.encryptionKey }];
  const fromEnvironment = process.env[encryptionKeyEnvironmentVariable];
  return fromEnvironment === undefined || fromEnvironment === '' ? [] : [{ key: fromEnvironment }];
}

const issueOf = (issue: { path: string; code: string; message: string }): StoredConfigIssue => ({
  path: issue.path,
  code: issue.code,
  message: issue.message,
});

/**
 * Opens a registry on a storage adapter.
 *
 * @example
 * ```ts
 * const registry = createRegistry({ storage: createJsonFileStorage({ path: 'registry.json' }) });
 * await registry.models.register({ name: 'qwen3-tools', provider: 'ollama', modelId: 'qwen3:0.6b' });
 * const { items } = await registry.models.list({ provider: 'ollama' });
 * ```
 */
export function createRegistry(settings: RegistrySettings): Registry {
  const storage = settings.storage;
  const scope = scopeOf(settings.ownerId);
  const box = new SecretBox(resolveKeys(keysFromSettings(settings)));
  const now = () => (settings.now?.() ?? new Date()).toISOString();
  const validateConfig = settings.validateConfig ?? builderValidateConfig;
  const pending = new Set<Promise<void>>();
  const ownOwnerId = scope.type === 'owner' ? scope.ownerId : null;

  async function findStored(idOrName: string): Promise<StoredModel | undefined> {
    const byId = await storage.getModel(idOrName, scope);
    if (byId !== undefined) return byId;
    if (scope.type === 'owner') {
      const own = await storage.getModelByName(idOrName, scope.ownerId, scope);
      if (own !== undefined) return own;
    }
    return storage.getModelByName(idOrName, null, scope);
  }

  async function getStored(idOrName: string): Promise<StoredModel> {
    const model = await findStored(idOrName);
    if (model === undefined) throw notFound('model', idOrName);
    return model;
  }

  /** Visible but owned by someone else (a global model seen by a user): read-only. */
  function assertWritable(record: { ownerId: string | null; name: string }, kind: string) {
    if (!canWrite(record.ownerId, scope)) {
      throw new TinyLLMError({
        code: 'AUTH_FAILED',
        message: `The ${kind} "${record.name}" is global: only the global registry can change it.`,
        retryable: false,
      });
    }
  }

  function resolveOwner(requested: string | null | undefined): string | null {
    if (scope.type === 'all') return requested ?? null;
    if (requested !== undefined && requested !== ownOwnerId) {
      throw new TinyLLMError({
        code: 'INVALID_REQUEST',
        message: 'ownerId can only be chosen by a registry opened with ownerId "*".',
        path: 'ownerId',
      });
    }
    return ownOwnerId;
  }

  async function checkParent(parentId: string | undefined): Promise<void> {
    if (parentId === undefined) return;
    if ((await storage.getModel(parentId, scope)) === undefined) {
      throw new TinyLLMError({
        code: 'INVALID_REQUEST',
        message: `provenance.fineTunedFrom names model "${parentId}", which does not exist in this registry.`,
        path: 'provenance.fineTunedFrom',
      });
    }
  }

  async function register(rawInput: RegisterModelInput): Promise<ModelRecord> {
    const input = parseOrThrow(registerModelInputSchema, rawInput, 'model');
    const ownerId = resolveOwner(input.ownerId);
    await checkParent(input.provenance?.fineTunedFrom);
    const id = input.id ?? randomUUID();
    const timestamp = now();
    const model: StoredModel = {
      id,
      ownerId,
      name: input.name,
      description: input.description ?? '',
      provider: input.provider,
      baseUrl: input.baseUrl ?? null,
      modelId: input.modelId,
      contextLength: input.contextLength ?? null,
      maxOutputTokens: input.maxOutputTokens ?? null,
      supportsStreaming: input.supportsStreaming ?? true,
      supportsFunctions: input.supportsFunctions ?? true,
      enabled: input.enabled ?? true,
      tags: input.tags ?? [],
      provenance: input.provenance ?? null,
      options: input.options ?? null,
      apiKey: input.apiKey == null ? null : box.encrypt(input.apiKey, id),
      createdAt: timestamp,
      updatedAt: timestamp,
      revision: 1,
    };
    await storage.insertModel(model);
    return toRecord(model);
  }

  async function update(idOrName: string, rawInput: UpdateModelInput): Promise<ModelRecord> {
    const input = parseOrThrow(updateModelInputSchema, rawInput, 'model update');
    const current = await getStored(idOrName);
    assertWritable(current, 'model');
    if (current.revision !== input.revision) {
      throw conflict(
        `The model "${current.name}" was changed by someone else (revision ${current.revision}, expected ${input.revision}); re-read it and try again.`,
        { id: current.id, revision: current.revision, expectedRevision: input.revision },
      );
    }
    if (input.provenance?.fineTunedFrom === current.id) {
      throw new TinyLLMError({
        code: 'INVALID_REQUEST',
        message: 'A model cannot be fine-tuned from itself.',
        path: 'provenance.fineTunedFrom',
      });
    }
    if (input.provenance?.fineTunedFrom !== current.provenance?.fineTunedFrom) {
      await checkParent(input.provenance?.fineTunedFrom ?? undefined);
    }
    const { revision, apiKey, ...changes } = input;
    const next: StoredModel = {
      ...current,
      ...Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)),
      apiKey:
        apiKey === undefined
          ? current.apiKey
          : apiKey === null
            ? null
            : box.encrypt(apiKey, current.id),
      updatedAt: now(),
      revision: revision + 1,
    };
    await storage.replaceModel(next, revision, scope);
    return toRecord(next);
  }

  async function listAll(query: ModelQueryInput): Promise<StoredModel[]> {
    const out: StoredModel[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page: Page<StoredModel> = await storage.listModels(
        modelQuerySchema.parse({ ...query, limit: 1000, offset }),
        scope,
      );
      out.push(...page.items);
      offset = page.nextOffset;
    }
    return out;
  }

  async function lineage(idOrName: string): Promise<ModelLineage> {
    const model = await getStored(idOrName);
    const ancestors: ModelRecord[] = [];
    const seen = new Set([model.id]);
    let parentId = model.provenance?.fineTunedFrom;
    while (parentId !== undefined && !seen.has(parentId)) {
      seen.add(parentId);
      const parent = await storage.getModel(parentId, scope);
      if (parent === undefined) break;
      ancestors.push(toRecord(parent));
      parentId = parent.provenance?.fineTunedFrom;
    }
    const descendants: ModelRecord[] = [];
    const frontier = [model.id];
    const visited = new Set([model.id]);
    while (frontier.length > 0) {
      const id = frontier.shift()!;
      for (const child of await listAll({ fineTunedFrom: id })) {
        if (visited.has(child.id)) continue;
        visited.add(child.id);
        descendants.push(toRecord(child));
        frontier.push(child.id);
      }
    }
    return { model: toRecord(model), ancestors, descendants };
  }

  async function versions(idOrName: string): Promise<ModelRecord[]> {
    const model = await getStored(idOrName);
    const repoId = model.provenance?.source?.repoId;
    if (repoId === undefined) return [toRecord(model)];
    const all = await listAll({ sourceRepoId: repoId });
    all.sort(
      (a, b) =>
        (a.provenance?.version ?? 1) - (b.provenance?.version ?? 1) ||
        a.createdAt.localeCompare(b.createdAt),
    );
    return all.map(toRecord);
  }

  async function findConfig(idOrName: string): Promise<SavedConfig | undefined> {
    const byId = await storage.getConfig(idOrName, scope);
    if (byId !== undefined) return byId;
    if (scope.type === 'owner') {
      const own = await storage.getConfigByName(idOrName, scope.ownerId, scope);
      if (own !== undefined) return own;
    }
    return storage.getConfigByName(idOrName, null, scope);
  }

  async function getConfig(idOrName: string): Promise<SavedConfig> {
    const config = await findConfig(idOrName);
    if (config === undefined) throw notFound('config', idOrName);
    return config;
  }

  async function saveConfig(rawInput: SaveConfigInput): Promise<SavedConfig> {
    const input = parseOrThrow(saveConfigInputSchema, rawInput, 'training config');
    let validation: ConfigValidationResult;
    try {
      validation = validateConfig(input.config);
    } catch (error) {
      throw new TinyLLMError({
        code: 'INVALID_CONFIG',
        message: `The config could not be validated: ${(error as Error).message}`,
        path: 'config',
        cause: error,
      });
    }
    const timestamp = now();
    const existing = await storage.getConfigByName(input.name, ownOwnerId, scope);
    // On replace, fields the caller left out keep their saved values.
    const base = {
      name: input.name,
      description: input.description ?? existing?.description ?? '',
      templateType:
        input.templateType === undefined ? (existing?.templateType ?? null) : input.templateType,
      config: input.config,
      valid: validation.valid,
      errors: validation.errors.map(issueOf),
      warnings: validation.warnings.map(issueOf),
      updatedAt: timestamp,
    };
    if (existing !== undefined && input.replace === true) {
      assertWritable(existing, 'config');
      const next: SavedConfig = { ...existing, ...base, revision: existing.revision + 1 };
      await storage.replaceConfig(next, existing.revision, scope);
      return next;
    }
    const config: SavedConfig = {
      ...base,
      id: randomUUID(),
      ownerId: ownOwnerId,
      timesUsed: 0,
      lastUsedAt: null,
      createdAt: timestamp,
      revision: 1,
    };
    await storage.insertConfig(config);
    return config;
  }

  const verifiedUsageModels = new Set<string>();

  async function recordUsage(idOrName: string, events: UsageEvent | UsageEvent[]): Promise<void> {
    const list = Array.isArray(events) ? events : [events];
    let modelRecordId = idOrName;
    if (!verifiedUsageModels.has(idOrName)) {
      modelRecordId = (await getStored(idOrName)).id;
      verifiedUsageModels.add(modelRecordId);
    }
    const records: UsageRecord[] = list.map((event, index) => ({
      ...parseOrThrow(usageEventSchema, event, `usage event ${index}`),
      modelRecordId,
    }));
    await storage.appendUsage(records);
  }

  function usageHooks(
    model: ModelRecord | string,
    extra: { sessionId?: string; tags?: string[] } = {},
  ): ModelHooks {
    const target = typeof model === 'string' ? model : model.id;
    return {
      onUsage(event) {
        const tags = [...(event.tags ?? []), ...(extra.tags ?? [])];
        const enriched: UsageEvent = {
          ...event,
          ...(extra.sessionId !== undefined && event.sessionId === undefined
            ? { sessionId: extra.sessionId }
            : {}),
          ...(tags.length > 0 ? { tags: [...new Set(tags)] } : {}),
        };
        const write = recordUsage(target, enriched).catch((error: unknown) => {
          try {
            settings.onHookError?.(error);
          } catch {}
        });
        pending.add(write);
        void write.finally(() => pending.delete(write));
      },
    };
  }

  async function importFromHub(
    repoId: string,
    options: HubImportOptions = {},
  ): Promise<ModelRecord> {
    const metadata = await fetchHubModelMetadata(repoId, {
      ...options,
      hubUrl: settings.hubUrl ?? defaultHubUrl,
      ...(settings.fetch === undefined ? {} : { fetch: settings.fetch }),
    });
    const existing = (await listAll({ sourceRepoId: metadata.source.repoId })).filter((model) =>
      canWrite(model.ownerId, scope),
    );
    const version =
      existing.reduce((max, model) => Math.max(max, model.provenance?.version ?? 1), 0) + 1;
    const baseName =
      options.name ??
      (metadata.source.repoId.split('/').pop() ?? metadata.source.repoId)
        .replace(/[^A-Za-z0-9._-]/g, '-')
        .replace(/\.{2,}/g, '.');
    const name = version === 1 ? baseName : `${baseName}-v${version}`;
    const overrides = options.overrides ?? {};
    return register({
      provider: 'huggingface',
      modelId: metadata.source.repoId,
      description: `Imported from the Hugging Face Hub (${metadata.source.repoId}).`,
      ...(metadata.contextLength === null ? {} : { contextLength: metadata.contextLength }),
      supportsFunctions: true,
      tags: metadata.info.pipeline_tag === undefined ? [] : [metadata.info.pipeline_tag],
      ...overrides,
      name,
      provenance: {
        ...(metadata.baseModel === null ? {} : { baseModel: metadata.baseModel }),
        ...(metadata.trainingDataset === null ? {} : { trainingDataset: metadata.trainingDataset }),
        ...overrides.provenance,
        source: metadata.source,
        version,
      },
    });
  }

  async function exportJson(options: { includeSecrets?: boolean } = {}): Promise<string> {
    const models = await listAll({});
    const configs: SavedConfig[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page: Page<SavedConfig> = await storage.listConfigs({ limit: 1000, offset }, scope);
      configs.push(...page.items);
      offset = page.nextOffset;
    }
    const file: RegistryFile = {
      format: 'tinyllm-registry',
      version: 1,
      models: models.map((model) =>
        options.includeSecrets === true ? model : { ...model, apiKey: null },
      ),
      configs,
    };
    return `${JSON.stringify(file, null, 2)}\n`;
  }

  async function importJson(text: string): Promise<ImportResult> {
    const file = parseRegistryFile(text, 'imported registry.json');
    const result: ImportResult = {
      models: { imported: 0, skipped: [] },
      configs: { imported: 0, skipped: [] },
    };
    // Parents first, so lineage references resolve whatever order the file lists models in.
    const ids = new Set(file.models.map((model) => model.id));
    const ordered: StoredModel[] = [];
    const placed = new Set<string>();
    const place = (model: StoredModel, depth = 0) => {
      if (placed.has(model.id) || depth > file.models.length) return;
      const parent = model.provenance?.fineTunedFrom;
      if (parent !== undefined && ids.has(parent)) {
        const parentModel = file.models.find((candidate) => candidate.id === parent);
        if (parentModel !== undefined) place(parentModel, depth + 1);
      }
      if (!placed.has(model.id)) {
        placed.add(model.id);
        ordered.push(model);
      }
    };
    for (const model of file.models) place(model);
    for (const model of ordered) {
      const ownerId = scope.type === 'all' ? model.ownerId : ownOwnerId;
      try {
        await storage.insertModel({ ...model, ownerId });
        result.models.imported += 1;
      } catch (error) {
        if (!TinyLLMError.hasCode(error, 'CONFLICT')) throw error;
        result.models.skipped.push({ name: model.name, reason: error.message });
      }
    }
    for (const config of file.configs) {
      const ownerId = scope.type === 'all' ? config.ownerId : ownOwnerId;
      try {
        await storage.insertConfig({ ...config, ownerId });
        result.configs.imported += 1;
      } catch (error) {
        if (!TinyLLMError.hasCode(error, 'CONFLICT')) throw error;
        result.configs.skipped.push({ name: config.name, reason: error.message });
      }
    }
    return result;
  }

  async function rotateKey(): Promise<{ rotated: number }> {
    const primary = box.primaryKeyId;
    if (primary === undefined) {
      throw new TinyLLMError({
        code: 'INVALID_CONFIG',
        message: 'rotateKey() needs at least one configured key.',
        path: 'keys',
      });
    }
    let rotated = 0;
    for (const model of await listAll({})) {
      if (model.apiKey === null || model.apiKey.keyId === primary) continue;
      if (!canWrite(model.ownerId, scope)) continue;
      const plaintext = box.decrypt(model.apiKey, model.id);
      await storage.replaceModel(
        {
          ...model,
          apiKey: box.encrypt(plaintext, model.id),
          updatedAt: now(),
          revision: model.revision + 1,
        },
        model.revision,
        scope,
      );
      rotated += 1;
    }
    return { rotated };
  }

  return {
    models: {
      register,
      get: async (idOrName) => toRecord(await getStored(idOrName)),
      find: async (idOrName) => {
        const model = await findStored(idOrName);
        return model === undefined ? undefined : toRecord(model);
      },
      list: async (query = {}) => {
        const page = await storage.listModels(
          parseOrThrow(modelQuerySchema, query, 'query'),
          scope,
        );
        return { ...page, items: page.items.map(toRecord) };
      },
      update,
      delete: async (idOrName) => {
        const model = await getStored(idOrName);
        assertWritable(model, 'model');
        if (!(await storage.deleteModel(model.id, scope))) throw notFound('model', idOrName);
      },
      lineage,
      versions,
      reveal: async (idOrName) => {
        const model = await getStored(idOrName);
        return model.apiKey === null ? undefined : box.decrypt(model.apiKey, model.id);
      },
    },
    configs: {
      save: saveConfig,
      get: getConfig,
      list: async (query = {}) =>
        storage.listConfigs(
          {
            ...(query.templateType === undefined ? {} : { templateType: query.templateType }),
            ...(query.valid === undefined ? {} : { valid: query.valid }),
            limit: Math.min(Math.max(query.limit ?? 50, 1), 1000),
            offset: Math.max(query.offset ?? 0, 0),
          },
          scope,
        ),
      delete: async (idOrName) => {
        const config = await getConfig(idOrName);
        assertWritable(config, 'config');
        if (!(await storage.deleteConfig(config.id, scope))) throw notFound('config', idOrName);
      },
      markUsed: async (idOrName) => {
        const config = await getConfig(idOrName);
        return storage.markConfigUsed(config.id, now(), scope);
      },
    },
    usage: {
      record: recordUsage,
      stats: async (idOrName, query = {}) => {
        const model = await getStored(idOrName);
        return storage.usageStats(model.id, parseOrThrow(usageQuerySchema, query, 'usage query'));
      },
    },
    usageHooks,
    flush: async () => {
      await Promise.all([...pending]);
    },
    importFromHub,
    exportJson,
    importJson,
    rotateKey,
    close: async () => {
      await Promise.all([...pending]);
      await storage.close();
    },
  };
}
