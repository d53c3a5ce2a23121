/** `registry.configs`: saved training configs, validated on save, with a use counter. */
import { randomUUID } from 'node:crypto';
import { TinyLLMError } from '@tinyllm/core';
import { notFound, parseOrThrow } from '../errors';
import {
  type ModelRecord,
  type Page,
  type SaveConfigInput,
  type SavedConfig,
  type StoredConfigIssue,
  saveConfigInputSchema,
} from '../records';
import { type RegistryContext, toRecord } from './context';
import type { ConfigValidationResult } from './settings';

/** `registry.configs`. */
export interface ConfigsApi {
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
  /**
   * Counts one use (atomically) and stamps `lastUsedAt`. A use is a write: a user cannot count
   * uses of a global config (AUTH_FAILED).
   */
  markUsed(idOrName: string): Promise<SavedConfig>;
  /** The visible models trained with this config (`provenance.trainingConfigId`), by name. */
  models(idOrName: string): Promise<ModelRecord[]>;
}

const issueOf = (issue: { path: string; code: string; message: string }): StoredConfigIssue => ({
  path: issue.path,
  code: issue.code,
  message: issue.message,
});

/** Creates `registry.configs` on a shared context. */
export function createConfigsApi(context: RegistryContext): ConfigsApi {
  const { storage, scope } = context;

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
      validation = context.validateConfig(input.config);
    } catch (error) {
      throw new TinyLLMError({
        code: 'INVALID_CONFIG',
        message: `The config could not be validated: ${(error as Error).message}`,
        path: 'config',
        cause: error,
      });
    }
    const timestamp = context.now();
    const existing = await storage.getConfigByName(input.name, context.ownOwnerId, scope);
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
      context.assertWritable(existing, 'config');
      const next: SavedConfig = { ...existing, ...base, revision: existing.revision + 1 };
      await storage.replaceConfig(next, existing.revision, scope);
      return next;
    }
    const config: SavedConfig = {
      ...base,
      id: randomUUID(),
      ownerId: context.ownOwnerId,
      timesUsed: 0,
      lastUsedAt: null,
      createdAt: timestamp,
      revision: 1,
    };
    await storage.insertConfig(config);
    return config;
  }

  return {
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
      context.assertWritable(config, 'config');
      if (!(await storage.deleteConfig(config.id, scope))) throw notFound('config', idOrName);
    },
    markUsed: async (idOrName) => {
      const config = await getConfig(idOrName);
      context.assertWritable(config, 'config');
      return storage.markConfigUsed(config.id, context.now(), scope);
    },
    models: async (idOrName) => {
      const config = await getConfig(idOrName);
      return (await context.listAll({ trainingConfigId: config.id })).map(toRecord);
    },
  };
}
