/**
 * `registry.aliases`: movable pointers such as `qwen-tools@candidate` and
 * `qwen-tools@production`, each with the history of its moves. Every lookup of `name@alias`
 * reads the alias afresh, so a promotion applies to the next request without a restart.
 */
import { randomUUID } from 'node:crypto';
import { TinyLLMError } from '@tinyllm/core';
import { notFound, parseOrThrow } from '../errors';
import {
  type AliasHistoryEntry,
  type AliasRecord,
  type ModelRecord,
  aliasHistoryLimit,
  aliasNameSchema,
  recordNameSchema,
} from '../records';
import { type RegistryContext, toRecord } from './context';

/** `registry.aliases`. */
export interface AliasesApi {
  /**
   * Points `name@alias` at `model` (an id, a name, or another `name@alias`), creating the alias
   * or moving it and appending the move to its history. Owned by the caller (global for the
   * global view); a user's alias hides a global one of the same name.
   */
  set(name: string, alias: string, model: string): Promise<AliasRecord>;
  /** The alias; NOT_FOUND when it is not visible. */
  get(name: string, alias: string): Promise<AliasRecord>;
  /** Visible aliases, by family name then alias; filtered by `name` or target `model`. */
  list(query?: { name?: string; model?: string }): Promise<AliasRecord[]>;
  /** The model `reference` (`name@alias`, a name or an id) points to now. */
  resolve(reference: string): Promise<ModelRecord>;
  /** The moves of an alias, oldest first. */
  history(name: string, alias: string): Promise<AliasHistoryEntry[]>;
  delete(name: string, alias: string): Promise<void>;
}

/** Splits `name@alias`; `undefined` when `reference` has no alias. */
export function parseAliasReference(
  reference: string,
): { name: string; alias: string } | undefined {
  const at = reference.indexOf('@');
  if (at < 0) return undefined;
  return { name: reference.slice(0, at), alias: reference.slice(at + 1) };
}

/** Creates `registry.aliases` on a shared context. */
export function createAliasesApi(context: RegistryContext): AliasesApi {
  const { storage, scope } = context;

  function parseNames(name: string, alias: string) {
    return {
      name: parseOrThrow(recordNameSchema, name, 'alias family name').toString(),
      alias: parseOrThrow(aliasNameSchema, alias, 'alias name').toString(),
    };
  }

  async function get(name: string, alias: string): Promise<AliasRecord> {
    const parsed = parseNames(name, alias);
    const record = await context.findAlias(parsed.name, parsed.alias);
    if (record === undefined) throw notFound('alias', `${parsed.name}@${parsed.alias}`);
    return record;
  }

  async function set(name: string, alias: string, model: string): Promise<AliasRecord> {
    const parsed = parseNames(name, alias);
    const target = await context.getStored(model);
    if (!target.enabled) {
      throw new TinyLLMError({
        code: 'INVALID_REQUEST',
        message: `The model "${target.name}" is disabled; enable it before pointing ${parsed.name}@${parsed.alias} at it.`,
        path: 'model',
      });
    }
    const ownerId = context.ownOwnerId;
    // A concurrent move makes the revision stale; re-read and append after it, so no move is
    // lost from the history.
    for (let attempt = 0; ; attempt++) {
      const current = await storage.getAlias(ownerId, parsed.name, parsed.alias, scope);
      const at = context.now();
      const entry: AliasHistoryEntry = {
        modelRecordId: target.id,
        previousModelRecordId: current?.modelRecordId ?? null,
        at,
      };
      const next: AliasRecord = {
        id: current?.id ?? randomUUID(),
        ownerId,
        name: parsed.name,
        alias: parsed.alias,
        modelRecordId: target.id,
        history: [...(current?.history ?? []), entry].slice(-aliasHistoryLimit),
        createdAt: current?.createdAt ?? at,
        updatedAt: at,
        revision: (current?.revision ?? 0) + 1,
      };
      try {
        await storage.putAlias(next, current?.revision ?? null, scope);
        return next;
      } catch (error) {
        if (!TinyLLMError.hasCode(error, 'CONFLICT') || attempt >= 20) throw error;
      }
    }
  }

  return {
    set,
    get,
    list: async (query = {}) => {
      const modelRecordId =
        query.model === undefined ? undefined : (await context.getStored(query.model)).id;
      return storage.listAliases(
        {
          ...(query.name === undefined ? {} : { name: query.name }),
          ...(modelRecordId === undefined ? {} : { modelRecordId }),
        },
        scope,
      );
    },
    resolve: async (reference) => toRecord(await context.getStored(reference)),
    history: async (name, alias) => (await get(name, alias)).history,
    delete: async (name, alias) => {
      const record = await get(name, alias);
      context.assertWritable({ ownerId: record.ownerId, name: `${name}@${alias}` }, 'alias');
      if (!(await storage.deleteAlias(record.id, scope)))
        throw notFound('alias', `${name}@${alias}`);
    },
  };
}
