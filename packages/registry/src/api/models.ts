/** `registry.models`: register, read, list, update, delete, lineage, versions, reveal. */
import { randomUUID } from 'node:crypto';
import { TinyLLMError } from '@tinyllm/core';
import { conflict, notFound, parseOrThrow } from '../errors';
import {
  type ModelQueryInput,
  type ModelRecord,
  type Page,
  type RegisterModelInput,
  type StoredModel,
  type UpdateModelInput,
  modelQuerySchema,
  registerModelInputSchema,
  updateModelInputSchema,
} from '../records';
import { type RegistryContext, toRecord } from './context';

/** A model with the chain it was fine-tuned from and the models fine-tuned from it. */
export interface ModelLineage {
  model: ModelRecord;
  /** Parent first, then grandparent, … Stops at a model that is missing or not visible. */
  ancestors: ModelRecord[];
  /** Children, grandchildren, … in breadth-first order. */
  descendants: ModelRecord[];
}

/** `registry.models`. */
export interface ModelsApi {
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
}

/**
 * A remote provider's `baseUrl` must be an http(s) URL, and an `openai-compatible` model needs
 * one (there is no default server). For `transformers` it is a local folder, so any path goes.
 */
export function checkEndpoint(provider: string, baseUrl: string | null): void {
  if (provider === 'transformers') return;
  if (baseUrl === null) {
    if (provider !== 'openai-compatible') return;
    throw new TinyLLMError({
      code: 'INVALID_REQUEST',
      message:
        'An openai-compatible model needs baseUrl, the server URL (e.g. http://127.0.0.1:8000/v1).',
      path: 'baseUrl',
    });
  }
  let url: URL | undefined;
  try {
    url = new URL(baseUrl);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new TinyLLMError({
      code: 'INVALID_REQUEST',
      message: `baseUrl of a ${provider} model must be an http(s) URL such as http://127.0.0.1:11434.`,
      path: 'baseUrl',
    });
  }
}

/** Creates `registry.models` on a shared context. */
export function createModelsApi(context: RegistryContext): ModelsApi {
  const { storage, scope, box } = context;

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

  /** The saved config a model was trained with must exist (the link is followed both ways). */
  async function checkTrainingConfig(configId: string | undefined): Promise<void> {
    if (configId === undefined) return;
    if ((await storage.getConfig(configId, scope)) === undefined) {
      throw new TinyLLMError({
        code: 'INVALID_REQUEST',
        message: `provenance.trainingConfigId names config "${configId}", which does not exist in this registry.`,
        path: 'provenance.trainingConfigId',
      });
    }
  }

  async function register(rawInput: RegisterModelInput): Promise<ModelRecord> {
    const input = parseOrThrow(registerModelInputSchema, rawInput, 'model');
    if (input.id !== undefined && scope.type !== 'all') {
      // A chosen id that collides with another owner's record would answer CONFLICT and so
      // reveal that the record exists; only administration (which sees everything) chooses ids.
      throw new TinyLLMError({
        code: 'INVALID_REQUEST',
        message:
          'id can only be chosen by a registry opened with ownerId "*"; others get a new UUID.',
        path: 'id',
      });
    }
    checkEndpoint(input.provider, input.baseUrl ?? null);
    const ownerId = context.resolveOwner(input.ownerId);
    await checkParent(input.provenance?.fineTunedFrom);
    await checkTrainingConfig(input.provenance?.trainingConfigId);
    const id = input.id ?? randomUUID();
    const timestamp = context.now();
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
    const current = await context.getStored(idOrName);
    context.assertWritable(current, 'model');
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
    if (input.provenance?.trainingConfigId !== current.provenance?.trainingConfigId) {
      await checkTrainingConfig(input.provenance?.trainingConfigId ?? undefined);
    }
    checkEndpoint(
      input.provider ?? current.provider,
      input.baseUrl === undefined ? current.baseUrl : input.baseUrl,
    );
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
      updatedAt: context.now(),
      revision: revision + 1,
    };
    await storage.replaceModel(next, revision, scope);
    return toRecord(next);
  }

  async function lineage(idOrName: string): Promise<ModelLineage> {
    const model = await context.getStored(idOrName);
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
      for (const child of await context.listAll({ fineTunedFrom: id })) {
        if (visited.has(child.id)) continue;
        visited.add(child.id);
        descendants.push(toRecord(child));
        frontier.push(child.id);
      }
    }
    return { model: toRecord(model), ancestors, descendants };
  }

  async function versions(idOrName: string): Promise<ModelRecord[]> {
    const model = await context.getStored(idOrName);
    const repoId = model.provenance?.source?.repoId;
    if (repoId === undefined) return [toRecord(model)];
    const all = await context.listAll({ sourceRepoId: repoId });
    all.sort(
      (a, b) =>
        (a.provenance?.version ?? 1) - (b.provenance?.version ?? 1) ||
        a.createdAt.localeCompare(b.createdAt),
    );
    return all.map(toRecord);
  }

  return {
    register,
    get: async (idOrName) => toRecord(await context.getStored(idOrName)),
    find: async (idOrName) => {
      const model = await context.findStored(idOrName);
      return model === undefined ? undefined : toRecord(model);
    },
    list: async (query = {}) => {
      const page = await storage.listModels(parseOrThrow(modelQuerySchema, query, 'query'), scope);
      return { ...page, items: page.items.map(toRecord) };
    },
    update,
    delete: async (idOrName) => {
      const model = await context.getStored(idOrName);
      context.assertWritable(model, 'model');
      if (!(await storage.deleteModel(model.id, scope))) throw notFound('model', idOrName);
    },
    lineage,
    versions,
    reveal: async (idOrName) => {
      const model = await context.getStored(idOrName);
      return model.apiKey === null ? undefined : box.decrypt(model.apiKey, model.id);
    },
  };
}
