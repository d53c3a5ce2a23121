/**
 * Which models the server serves and how a request's `model` becomes a `ChatModel`: models
 * given by name, a router's names, and a registry's enabled records (in that order of lookup).
 */
import {
  type ChatModel,
  type ModelHooks,
  type Router,
  TinyLLMError,
  withHooks,
} from '@tinyllm/core';
import type { ModelManager } from '@tinyllm/providers/transformers';
import {
  type CreateModel,
  type ModelRecord,
  type Registry,
  createModelFromRecord,
} from '@tinyllm/registry';

/** Where the served models come from. Give one or more. */
export interface ModelSources {
  /** Models by the id clients send as `model`. */
  models?: Readonly<Record<string, ChatModel>>;
  /** A router: each of its names is a model id (calls go through its retries and fallbacks). */
  router?: Router;
  /**
   * A registry: every enabled record is a model id (its name). Usage of every request on a model
   * the registry knows (by name) is recorded in the registry's usage stats.
   */
  registry?: Registry;
  /**
   * Builds a registry record's model from its settings; required with `registry`.
   * `createModelFromSettings` from `@tinyllm/providers` fits.
   */
  createModel?: CreateModel;
}

/** One entry of `GET /v1/models`. */
export interface CatalogEntry {
  id: string;
  ownedBy: string;
}

/** Resolves model ids and lists them. */
export interface ModelCatalog {
  list(): Promise<CatalogEntry[]>;
  resolve(id: string): Promise<ChatModel>;
  /** Model managers of the local models served, for `/health`. */
  managers(): ModelManager[];
}

function notFound(id: string): TinyLLMError {
  return new TinyLLMError({
    code: 'MODEL_NOT_FOUND',
    message: `The model "${id}" does not exist or is not served here.`,
    path: 'model',
    retryable: false,
  });
}

function managerOf(model: ChatModel): ModelManager | undefined {
  const manager = (model as { manager?: unknown }).manager;
  return typeof manager === 'object' && manager !== null && 'models' in manager
    ? (manager as ModelManager)
    : undefined;
}

const usageTags = ['server'];

/** Creates the catalog of `sources`; `hooks` observe every request on every model. */
export function createModelCatalog(
  sources: ModelSources,
  hooks: readonly ModelHooks[] = [],
): ModelCatalog {
  const { models = {}, router, registry, createModel } = sources;
  if (registry && !createModel) {
    throw new TinyLLMError({
      code: 'INVALID_CONFIG',
      message: 'createServer: `createModel` is required with `registry`.',
      path: 'createModel',
      retryable: false,
    });
  }
  if (Object.keys(models).length === 0 && !router && !registry) {
    throw new TinyLLMError({
      code: 'INVALID_CONFIG',
      message: 'createServer: give `models`, `router` or `registry`.',
      retryable: false,
    });
  }
  const wrapped = new Map<string, Promise<ChatModel>>();
  const fromRegistry = new Map<string, Promise<ChatModel>>();
  const localManagers = new Set<ModelManager>();
  for (const model of Object.values(models)) {
    const manager = managerOf(model);
    if (manager) localManagers.add(manager);
  }

  async function findRecord(name: string): Promise<ModelRecord | undefined> {
    if (!registry) return undefined;
    return registry.models.find(name);
  }

  function observe(model: ChatModel, name: string, record: ModelRecord | undefined): ChatModel {
    const all = [...hooks];
    if (record && registry) all.push(registry.usageHooks(record, { tags: usageTags }));
    return all.length === 0 ? model : withHooks(model, all, { modelName: name });
  }

  async function resolveRegistered(record: ModelRecord): Promise<ChatModel> {
    // A changed record (new revision) gets a new model; the old one is dropped.
    const key = `${record.id}@${record.revision}`;
    let entry = fromRegistry.get(key);
    if (!entry) {
      entry = createModelFromRecord(record, createModel as CreateModel, {
        reveal: (stored) => (registry as Registry).models.reveal(stored.id),
      }).then((model) => {
        const manager = managerOf(model);
        if (manager) localManagers.add(manager);
        return observe(model, record.name, record);
      });
      entry.catch(() => fromRegistry.delete(key));
      fromRegistry.set(key, entry);
    }
    return entry;
  }

  return {
    async list() {
      const entries = new Map<string, CatalogEntry>();
      for (const [id, model] of Object.entries(models)) {
        entries.set(id, { id, ownedBy: model.provider });
      }
      for (const name of router?.names ?? []) {
        if (!entries.has(name)) entries.set(name, { id: name, ownedBy: 'router' });
      }
      if (registry) {
        let offset: number | null = 0;
        while (offset !== null) {
          const page = await registry.models.list({ enabled: true, limit: 1000, offset });
          for (const record of page.items) {
            if (!entries.has(record.name)) {
              entries.set(record.name, { id: record.name, ownedBy: record.provider });
            }
          }
          offset = page.nextOffset;
        }
      }
      return [...entries.values()];
    },

    async resolve(id) {
      const given = models[id];
      if (given) {
        let entry = wrapped.get(id);
        if (!entry) {
          entry = findRecord(id).then((record) => observe(given, id, record));
          entry.catch(() => wrapped.delete(id));
          wrapped.set(id, entry);
        }
        return entry;
      }
      if (router?.names.includes(id)) {
        let entry = wrapped.get(id);
        if (!entry) {
          entry = findRecord(id).then((record) => observe(router.model(id), id, record));
          entry.catch(() => wrapped.delete(id));
          wrapped.set(id, entry);
        }
        return entry;
      }
      const record = await findRecord(id);
      if (!record?.enabled) throw notFound(id);
      return resolveRegistered(record);
    },

    managers: () => [...localManagers],
  };
}
