/**
 * Helpers shared by the in-process adapters (memory and JSON file), which filter, page and
 * aggregate in JavaScript. The PostgreSQL adapter does the same work in SQL and the shared
 * conformance suite checks that both agree.
 */
import { conflict, notFound } from '../errors';
import type {
  ModelQuery,
  Page,
  SavedConfig,
  StoredModel,
  UsageQuery,
  UsageRecord,
  UsageStats,
} from '../records';
import type { ConfigQuery, OwnerScope, UsageOwner } from './types';

/** Whether a record owned by `ownerId` is visible in `scope`. */
export function canRead(ownerId: string | null, scope: OwnerScope): boolean {
  if (scope.type === 'all') return true;
  if (ownerId === null) return true;
  return scope.type === 'owner' && scope.ownerId === ownerId;
}

/** Whether a record owned by `ownerId` may be changed or deleted in `scope`. */
export function canWrite(ownerId: string | null, scope: OwnerScope): boolean {
  if (scope.type === 'all') return true;
  if (scope.type === 'global') return ownerId === null;
  return scope.ownerId === ownerId;
}

// Code-point order, which is what PostgreSQL's "C" collation gives for UTF-8, so every adapter
// pages in the same order.
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sort order of every list: name, then owner (global first), then id. */
export function compareByName(
  a: { name: string; ownerId: string | null; id: string },
  b: { name: string; ownerId: string | null; id: string },
): number {
  return (
    compareStrings(a.name, b.name) ||
    compareStrings(a.ownerId ?? '', b.ownerId ?? '') ||
    compareStrings(a.id, b.id)
  );
}

/** Whether `model` matches the filters of `query` (not the page). */
export function matchesModelQuery(
  model: StoredModel,
  query: ModelQuery,
  scope: OwnerScope,
): boolean {
  if (!canRead(model.ownerId, scope)) return false;
  if (query.scope === 'global' && model.ownerId !== null) return false;
  if (query.scope === 'own') {
    if (scope.type === 'owner' ? model.ownerId !== scope.ownerId : model.ownerId !== null) {
      return false;
    }
  }
  if (query.provider !== undefined && model.provider !== query.provider) return false;
  if (query.enabled !== undefined && model.enabled !== query.enabled) return false;
  if (query.tag !== undefined && !model.tags.includes(query.tag)) return false;
  const provenance = model.provenance;
  if (query.trainingMethod !== undefined && provenance?.trainingMethod !== query.trainingMethod) {
    return false;
  }
  if (query.baseModel !== undefined && provenance?.baseModel !== query.baseModel) return false;
  if (query.fineTunedFrom !== undefined && provenance?.fineTunedFrom !== query.fineTunedFrom) {
    return false;
  }
  if (query.sourceRepoId !== undefined && provenance?.source?.repoId !== query.sourceRepoId) {
    return false;
  }
  if (
    query.trainingConfigId !== undefined &&
    provenance?.trainingConfigId !== query.trainingConfigId
  ) {
    return false;
  }
  if (query.search !== undefined) {
    const needle = query.search.toLowerCase();
    if (
      !model.name.toLowerCase().includes(needle) &&
      !model.description.toLowerCase().includes(needle)
    ) {
      return false;
    }
  }
  return true;
}

/** Sorts and slices already-filtered records into a page. */
export function toPage<T extends { name: string; ownerId: string | null; id: string }>(
  matches: T[],
  limit: number,
  offset: number,
): Page<T> {
  matches.sort(compareByName);
  const items = matches.slice(offset, offset + limit);
  const next = offset + items.length;
  return { items, total: matches.length, nextOffset: next < matches.length ? next : null };
}

/** Whether a config matches the filters of `query`. */
export function matchesConfigQuery(
  config: SavedConfig,
  query: ConfigQuery,
  scope: OwnerScope,
): boolean {
  if (!canRead(config.ownerId, scope)) return false;
  if (query.templateType !== undefined && config.templateType !== query.templateType) return false;
  if (query.valid !== undefined && config.valid !== query.valid) return false;
  return true;
}

/**
 * Checks that a replacement may be written over `current`: it must exist in scope (NOT_FOUND
 * otherwise, hiding other owners' records) and still have `expectedRevision` (CONFLICT).
 */
export function checkReplace(
  kind: string,
  current: { id: string; ownerId: string | null; revision: number } | undefined,
  next: { id: string; ownerId: string | null },
  expectedRevision: number,
  scope: OwnerScope,
): void {
  if (
    current === undefined ||
    !canWrite(current.ownerId, scope) ||
    !canWrite(next.ownerId, scope)
  ) {
    throw notFound(kind, next.id);
  }
  if (current.revision !== expectedRevision) {
    throw conflict(
      `The ${kind} "${next.id}" was changed by someone else (revision ${current.revision}, expected ${expectedRevision}); re-read it and try again.`,
      { id: next.id, revision: current.revision, expectedRevision },
    );
  }
}

/** CONFLICT for a second record with the same owner and name. */
export function duplicateName(kind: string, name: string, ownerId: string | null) {
  return conflict(
    `A ${kind} named "${name}" already exists${ownerId === null ? ' globally' : ' for this owner'}.`,
    { name, ownerId },
  );
}

/** The `p`-th percentile (0..1) with linear interpolation, as PostgreSQL's percentile_cont. */
export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = p * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low]!;
  const highValue = sorted[high]!;
  return lowValue + (highValue - lowValue) * (rank - low);
}

/** Whether a usage record belongs to `owner` (see {@link UsageOwner}). */
export function matchesUsageOwner(record: UsageRecord, owner: UsageOwner | undefined): boolean {
  if (owner === undefined) return true;
  const recordOwner = record.ownerId ?? null;
  if (recordOwner === null) return owner.includeUnowned || owner.ownerId === null;
  return recordOwner === owner.ownerId;
}

/** Whether a usage record matches `query`. */
export function matchesUsageQuery(record: UsageRecord, query: UsageQuery): boolean {
  if (query.since !== undefined && Date.parse(record.startedAt) < Date.parse(query.since)) {
    return false;
  }
  if (query.until !== undefined && Date.parse(record.startedAt) >= Date.parse(query.until)) {
    return false;
  }
  if (query.sessionId !== undefined && record.sessionId !== query.sessionId) return false;
  if (query.tag !== undefined && !(record.tags ?? []).includes(query.tag)) return false;
  return true;
}

/** Aggregates usage records of one model. */
export function computeUsageStats(modelRecordId: string, records: UsageRecord[]): UsageStats {
  const totals: number[] = [];
  const firstTokens: number[] = [];
  const errorCodes: Record<string, number> = {};
  let errors = 0;
  let input = 0;
  let cachedInput = 0;
  let output = 0;
  let estimatedRequests = 0;
  for (const record of records) {
    totals.push(record.totalMs);
    if (record.timeToFirstTokenMs !== undefined) firstTokens.push(record.timeToFirstTokenMs);
    if (record.errorCode !== undefined) {
      errors += 1;
      errorCodes[record.errorCode] = (errorCodes[record.errorCode] ?? 0) + 1;
    }
    input += record.inputTokens;
    cachedInput += record.cachedInputTokens ?? 0;
    output += record.outputTokens;
    if (record.estimated) estimatedRequests += 1;
  }
  totals.sort((a, b) => a - b);
  firstTokens.sort((a, b) => a - b);
  return {
    modelRecordId,
    requests: records.length,
    errors,
    errorCodes,
    latencyMs: { p50: percentile(totals, 0.5), p95: percentile(totals, 0.95) },
    timeToFirstTokenMs: { p50: percentile(firstTokens, 0.5), p95: percentile(firstTokens, 0.95) },
    tokens: { input, cachedInput, output, estimatedRequests },
  };
}
