/**
 * `createRegistry()`: composes the registry's sub-APIs (models, configs, usage, aliases,
 * import/export, Hub import, key rotation; each in `api/`) on top of any {@link StorageAdapter}.
 */
import type { ModelHooks } from '@tinyllm/core';
import { type AliasesApi, createAliasesApi } from './api/aliases';
import { type ConfigsApi, createConfigsApi } from './api/configs';
import { createContext } from './api/context';
import { type HubImportOptions, createHubImport } from './api/hub';
import { createKeyRotation } from './api/keys';
import { type ModelsApi, createModelsApi } from './api/models';
import type { RegistrySettings } from './api/settings';
import { type ImportResult, createTransferApi } from './api/transfer';
import { type UsageApi, createUsageApi } from './api/usage';
import type { ModelRecord } from './records';
import type { StorageAdapter } from './storage/types';

export type { AliasesApi } from './api/aliases';
export type { ConfigsApi } from './api/configs';
export type { HubImportOptions } from './api/hub';
export type { ModelLineage, ModelsApi } from './api/models';
export type { ConfigValidationResult, RegistrySettings } from './api/settings';
export type { ImportResult } from './api/transfer';
export type { ModelUsageSeries, UsageApi, UsageSeries } from './api/usage';

/** A model registry. See {@link createRegistry}. */
export interface Registry {
  readonly models: ModelsApi;
  readonly configs: ConfigsApi;
  readonly usage: UsageApi;
  /** Movable pointers (`name@candidate`, `name@production`) with history. */
  readonly aliases: AliasesApi;
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
  const context = createContext(settings);
  const models = createModelsApi(context);
  const { usage, usageHooks } = createUsageApi(context);
  const { exportJson, importJson } = createTransferApi(context);
  const flush = async () => {
    await Promise.all([...context.pending]);
  };
  return {
    models,
    configs: createConfigsApi(context),
    usage,
    aliases: createAliasesApi(context),
    usageHooks,
    flush,
    importFromHub: createHubImport(context, models),
    exportJson,
    importJson,
    rotateKey: createKeyRotation(context),
    close: async () => {
      await flush();
      await (settings.storage as StorageAdapter).close();
    },
  };
}
