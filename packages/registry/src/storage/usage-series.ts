/**
 * Time-bucketed usage series, computed from usage records the same way for every adapter so
 * that series agree across storages (the conformance suite checks it).
 */
import type { UsagePoint, UsageRecord, UsageSeriesQuery } from '../records';
import { percentile } from './shared';

const bucketMs = { hour: 3_600_000, day: 86_400_000 } as const;

/** The UTC start of the bucket holding `time`. */
export function bucketStart(time: number, bucket: 'hour' | 'day'): number {
  return Math.floor(time / bucketMs[bucket]) * bucketMs[bucket];
}

/** Every bucket start from `since` (rounded down) to before `until`. */
export function bucketStarts(since: string, until: string, bucket: 'hour' | 'day'): number[] {
  const starts: number[] = [];
  const end = Date.parse(until);
  for (let start = bucketStart(Date.parse(since), bucket); start < end; start += bucketMs[bucket]) {
    starts.push(start);
  }
  return starts;
}

/** One point per bucket of the window, empty buckets included, so models line up. */
export function computeUsageSeries(
  records: UsageRecord[],
  query: UsageSeriesQuery & { until: string },
): UsagePoint[] {
  const starts = bucketStarts(query.since, query.until, query.bucket);
  const groups = new Map<number, UsageRecord[]>(starts.map((start) => [start, []]));
  for (const record of records) {
    groups.get(bucketStart(Date.parse(record.startedAt), query.bucket))?.push(record);
  }
  return starts.map((start) => {
    const bucket = groups.get(start) ?? [];
    const latencies = bucket.map((record) => record.totalMs).sort((a, b) => a - b);
    let errors = 0;
    let inputTokens = 0;
    let cachedInputTokens = 0;
    let outputTokens = 0;
    let totalMs = 0;
    for (const record of bucket) {
      if (record.errorCode !== undefined) errors += 1;
      inputTokens += record.inputTokens;
      cachedInputTokens += record.cachedInputTokens ?? 0;
      outputTokens += record.outputTokens;
      totalMs += record.totalMs;
    }
    return {
      start: new Date(start).toISOString(),
      requests: bucket.length,
      errors,
      inputTokens,
      cachedInputTokens,
      outputTokens,
      latencyMs: { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95) },
      tokensPerSecond: totalMs > 0 ? (outputTokens * 1000) / totalMs : null,
    };
  });
}
