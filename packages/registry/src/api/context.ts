/**
 * What every sub-API of a registry shares: the storage, the caller's owner scope, the secret
 * box, the clock, and the lookups and permission checks each of them needs.
 */
import { TinyLLMError } from '@tinyllm/core';
import { validateConfig as builderValidateConfig } from '@tinyllm/config-builder';
import { notFound } from '../errors';
import {
  type AliasRecord,
  type ModelQueryInput,
  type ModelRecord,
  type Page,
  type StoredModel,
  modelQuerySchema,
} from '../records';
import {
  type EncryptionKey,
  SecretBox,
  encryptionKeyEnvironmentVariable,
  resolveKeys,
} from '../secrets';
import { canWrite } from '../storage/shared';
import type { OwnerScope, StorageAdapter } from '../storage/types';
import type { ConfigValidationResult, RegistrySettings } from './settings';

/** The state and helpers the sub-APIs of one registry share. */
export interface RegistryContext {
  readonly settings: RegistrySettings;
  readonly storage: StorageAdapter;
  readonly scope: OwnerScope;
  readonly box: SecretBox;
  /** The caller's own owner id, `null` for the global and administration views. */
  readonly ownOwnerId: string | null;
  /** Usage writes started by hooks and not finished yet. */
  readonly pending: Set<Promise<void>>;
  readonly validateConfig: (config: unknown) => ConfigValidationResult;
  /** The current time as ISO text. */
  now(): string;
  /** The visible alias `name@alias` (the caller's own before a global one), or `undefined`. */
  findAlias(name: string, alias: string): Promise<AliasRecord | undefined>;
  /**
   * A visible model by id, name (own before global) or `name@alias` (looked up on every call,
   * so a promotion applies at once), or `undefined`.
   */
  findStored(idOrName: string): Promise<StoredModel | undefined>;
  /** Like `findStored`, but NOT_FOUND when missing. */
  getStored(idOrName: string): Promise<StoredModel>;
  /** AUTH_FAILED when `record` is visible but not the caller's to change (a global record). */
  assertWritable(record: { ownerId: string | null; name: string }, kind: string): void;
  /** The owner a new record gets; only the administration view may choose another. */
  resolveOwner(requested: string | null | undefined): string | null;
  /** Every visible model matching `query`, across pages. */
  listAll(query: ModelQueryInput): Promise<StoredModel[]>;
}

function scopeOf(ownerId: string | null | undefined): OwnerScope {
  if (ownerId === '*') return { type: 'all' };
  if (ownerId === undefined || ownerId === null) return { type: 'global' };
  return { type: 'owner', ownerId };
}

function keysFromSettings(settings: RegistrySettings): EncryptionKey[] {
  if (settings.keys !== undefined) return settings.keys;
  if (settings.encryptionKey !== undefined) return [{ key: settings.encryptionKey }];
  const fromEnvironment = process.env[encryptionKeyEnvironmentVariable];
  return fromEnvironment === undefined || fromEnvironment === '' ? [] : [{ key: fromEnvironment }];
}

/** The record callers see: the encrypted key replaced by `hasApiKey` / `apiKeyId`. */
export function toRecord(model: StoredModel): ModelRecord {
  const { apiKey, ...rest } = model;
  return { ...rest, hasApiKey: apiKey !== null, apiKeyId: apiKey?.keyId ?? null };
}

/** Builds the shared context of a registry from its settings. */
export function createContext(settings: RegistrySettings): RegistryContext {
  const storage = settings.storage;
  const scope = scopeOf(settings.ownerId);
  const box = new SecretBox(resolveKeys(keysFromSettings(settings)));
  const ownOwnerId = scope.type === 'owner' ? scope.ownerId : null;

  async function findAlias(name: string, alias: string): Promise<AliasRecord | undefined> {
    if (scope.type === 'owner') {
      const own = await storage.getAlias(scope.ownerId, name, alias, scope);
      if (own !== undefined) return own;
    }
    return storage.getAlias(null, name, alias, scope);
  }

  async function findStored(idOrName: string): Promise<StoredModel | undefined> {
    // Record names cannot contain "@", so "@" always means an alias reference.
    const at = idOrName.indexOf('@');
    if (at > 0) {
      const alias = await findAlias(idOrName.slice(0, at), idOrName.slice(at + 1));
      return alias === undefined ? undefined : storage.getModel(alias.modelRecordId, scope);
    }
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

  return {
    settings,
    storage,
    scope,
    box,
    ownOwnerId,
    pending: new Set(),
    validateConfig: settings.validateConfig ?? builderValidateConfig,
    now: () => (settings.now?.() ?? new Date()).toISOString(),
    findAlias,
    findStored,
    getStored,
    assertWritable,
    resolveOwner,
    listAll,
  };
}
