/**
 * A registry as the router's model source: `createRouter({ models: {}, resolveModel })` then
 * serves `qwen-tools@production`, `qwen-tools` or a record id, looked up on every request so a
 * promotion (`registry.aliases.set(...)`) applies to the next request without a restart.
 */
import type { ChatModel, ModelResolver } from '@tinyllm/core';
import { type CreateModel, type RecordSource, createModelFromRecord } from './record-to-model';
import type { ModelRecord } from './records';

/** The part of a registry a resolver reads. */
export interface ResolverSource extends RecordSource {
  models: RecordSource['models'] & { find(reference: string): Promise<ModelRecord | undefined> };
}

/** Options of {@link createModelResolver}. */
export interface ModelResolverOptions {
  /** Reads API keys; default: the registry's `models.reveal`. */
  reveal?: (record: ModelRecord) => Promise<string | undefined>;
  /** How many created models to keep (one per record revision). Default 32. */
  maxModels?: number;
}

/**
 * Resolves names through `registry` for the router (core's `ModelResolver`). Models are created
 * once per record revision and reused until the record or the alias changes.
 *
 * @example
 * ```ts
 * const router = createRouter({
 *   models: {},
 *   resolveModel: createModelResolver(registry, createModelFromSettings),
 * });
 * await router.chat('qwen-tools@production', request);
 * ```
 */
export function createModelResolver(
  registry: ResolverSource,
  createModel: CreateModel,
  options: ModelResolverOptions = {},
): ModelResolver {
  const maxModels = options.maxModels ?? 32;
  const models = new Map<string, Promise<ChatModel>>();
  return async (name: string) => {
    const record = await registry.models.find(name);
    if (record === undefined) return undefined;
    const key = `${record.id}\u0000${record.revision}`;
    let model = models.get(key);
    if (model === undefined) {
      model = createModelFromRecord(record, createModel, {
        registry,
        ...(options.reveal === undefined ? {} : { reveal: options.reveal }),
      });
      models.set(key, model);
      model.catch(() => models.delete(key));
      // Oldest first out: a Map iterates in insertion order.
      while (models.size > maxModels) models.delete(models.keys().next().value as string);
    }
    return model;
  };
}
