/**
 * `registry.usage` and `registry.usageHooks()`: usage events per model and owner, their
 * statistics, and time series to compare models side by side.
 *
 * Usage is per owner: an event is stamped with the owner of the registry that recorded it, so a
 * user measuring a global model records and reads only their own usage of it.
 */
import { type ModelHooks, TinyLLMError, type UsageEvent } from '@tinyllm/core';
import { parseOrThrow } from '../errors';
import {
  type ModelRecord,
  type StoredModel,
  type UsagePoint,
  type UsageQuery,
  type UsageRecord,
  type UsageSeriesQueryInput,
  type UsageStats,
  usageEventInputSchema,
  usageQuerySchema,
  usageSeriesQuerySchema,
} from '../records';
import type { UsageOwner } from '../storage/types';
import { computeUsageSeries } from '../storage/usage-series';
import type { RegistryContext } from './context';

/** The series of one model in {@link UsageSeries}. */
export interface ModelUsageSeries {
  modelRecordId: string;
  name: string;
  /** One point per bucket of the window, empty buckets included. */
  points: UsagePoint[];
}

/** Usage of several models over one window, bucket by bucket. */
export interface UsageSeries {
  bucket: 'hour' | 'day';
  since: string;
  until: string;
  models: ModelUsageSeries[];
}

/** `registry.usage`. */
export interface UsageApi {
  /** Stores usage events (as emitted by core's hooks) for a model, as the caller's usage. */
  record(idOrName: string, events: UsageEvent | UsageEvent[]): Promise<void>;
  /** Statistics of the caller's usage of a model (the model owner's includes unstamped events). */
  stats(idOrName: string, query?: UsageQuery): Promise<UsageStats>;
  /**
   * Requests, errors, tokens, latency p50/p95 and tokens/s per hour or day for several models
   * side by side (e.g. a custom model against the global ones), over one window.
   */
  series(models: string[], query: UsageSeriesQueryInput): Promise<UsageSeries>;
}

/** Hooks that record usage; see `registry.usageHooks()`. */
export type UsageHooksFactory = (
  model: ModelRecord | string,
  extra?: { sessionId?: string; tags?: string[] },
) => ModelHooks;

/** Whose usage of `model` the caller sees (see {@link UsageOwner}). */
export function usageOwnerOf(context: RegistryContext, model: StoredModel): UsageOwner | undefined {
  if (context.scope.type === 'all') return undefined;
  return {
    ownerId: context.ownOwnerId,
    includeUnowned: model.ownerId === context.ownOwnerId,
  };
}

const bucketLengthMs = { hour: 3_600_000, day: 86_400_000 } as const;
/** Most buckets a series may span (a year of hours is 8,760). */
const maxSeriesBuckets = 10_000;

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
      ...parseOrThrow(usageEventInputSchema, event, `usage event ${index}`),
      modelRecordId,
      ownerId: context.ownOwnerId,
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

  async function series(models: string[], rawQuery: UsageSeriesQueryInput): Promise<UsageSeries> {
    const query = parseOrThrow(usageSeriesQuerySchema, rawQuery, 'usage series query');
    const until = query.until ?? context.now();
    const buckets = (Date.parse(until) - Date.parse(query.since)) / bucketLengthMs[query.bucket];
    if (!(buckets > 0) || buckets > maxSeriesBuckets) {
      throw new TinyLLMError({
        code: 'INVALID_REQUEST',
        message: `A usage series spans 1 to ${maxSeriesBuckets} buckets: since must be before until and at most ${maxSeriesBuckets} ${query.bucket}s earlier.`,
        path: 'since',
      });
    }
    const out: ModelUsageSeries[] = [];
    for (const reference of models) {
      const model = await context.getStored(reference);
      const records = await storage.usageRecords(
        model.id,
        {
          since: query.since,
          until,
          ...(query.sessionId === undefined ? {} : { sessionId: query.sessionId }),
          ...(query.tag === undefined ? {} : { tag: query.tag }),
        },
        usageOwnerOf(context, model),
      );
      out.push({
        modelRecordId: model.id,
        name: model.name,
        points: computeUsageSeries(records, { ...query, until }),
      });
    }
    return { bucket: query.bucket, since: query.since, until, models: out };
  }

  return {
    usage: {
      record: recordUsage,
      stats: async (idOrName, query = {}) => {
        const model = await context.getStored(idOrName);
        return storage.usageStats(
          model.id,
          parseOrThrow(usageQuerySchema, query, 'usage query'),
          usageOwnerOf(context, model),
        );
      },
      series,
    },
    usageHooks,
  };
}
