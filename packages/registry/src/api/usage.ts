/** `registry.usage` and `registry.usageHooks()`: usage events per model, and their statistics. */
import { type ModelHooks, type UsageEvent, usageEventSchema } from '@tinyllm/core';
import { parseOrThrow } from '../errors';
import {
  type ModelRecord,
  type UsageQuery,
  type UsageRecord,
  type UsageStats,
  usageQuerySchema,
} from '../records';
import type { RegistryContext } from './context';

/** `registry.usage`. */
export interface UsageApi {
  /** Stores usage events (as emitted by core's hooks) for a model. */
  record(idOrName: string, events: UsageEvent | UsageEvent[]): Promise<void>;
  stats(idOrName: string, query?: UsageQuery): Promise<UsageStats>;
}

/** Hooks that record usage; see `registry.usageHooks()`. */
export type UsageHooksFactory = (
  model: ModelRecord | string,
  extra?: { sessionId?: string; tags?: string[] },
) => ModelHooks;

/** Creates `registry.usage` and the hooks factory on a shared context. */
export function createUsageApi(context: RegistryContext): {
  usage: UsageApi;
  usageHooks: UsageHooksFactory;
} {
  const { storage, settings, pending } = context;
  const verifiedUsageModels = new Set<string>();

  async function recordUsage(idOrName: string, events: UsageEvent | UsageEvent[]): Promise<void> {
    const list = Array.isArray(events) ? events : [events];
    let modelRecordId = idOrName;
    if (!verifiedUsageModels.has(idOrName)) {
      modelRecordId = (await context.getStored(idOrName)).id;
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

  return {
    usage: {
      record: recordUsage,
      stats: async (idOrName, query = {}) => {
        const model = await context.getStored(idOrName);
        return storage.usageStats(model.id, parseOrThrow(usageQuerySchema, query, 'usage query'));
      },
    },
    usageHooks,
  };
}
