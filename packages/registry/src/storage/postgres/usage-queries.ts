/** Usage events in SQL: batched inserts and per-model statistics computed by the database. */
import {
  type UsageQuery,
  type UsageRecord,
  type UsageStats,
  usageRecordSchema,
} from '../../records';
import type { UsageOwner } from '../types';
import { textArray } from './rows';
import type { SqlClient } from './sql-client';
import { Where } from './where';

/** Inserts usage records in one transaction. `usage` is the qualified table name. */
export async function appendUsageRows(
  client: SqlClient,
  usage: string,
  records: UsageRecord[],
): Promise<void> {
  if (records.length === 0) return;
  await client.transaction(async (tx) => {
    for (const record of records) {
      await tx.query(
        `INSERT INTO ${usage} (model_record_id, started_at, total_ms, time_to_first_token_ms, input_tokens, cached_input_tokens, output_tokens, estimated, error_code, session_id, tags, event, owner_id)
         VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7, $8, $9, $10, ${textArray(11)}, $12::jsonb, $13)`,
        [
          record.modelRecordId,
          record.startedAt,
          record.totalMs,
          record.timeToFirstTokenMs ?? null,
          record.inputTokens,
          record.cachedInputTokens ?? 0,
          record.outputTokens,
          record.estimated,
          record.errorCode ?? null,
          record.sessionId ?? null,
          JSON.stringify(record.tags ?? []),
          JSON.stringify(record),
          record.ownerId ?? null,
        ],
      );
    }
  });
}

function usageWhere(modelRecordId: string, query: UsageQuery, owner: UsageOwner | undefined) {
  const where = new Where([modelRecordId]);
  where.add('model_record_id = $1');
  if (query.since !== undefined) {
    where.add(`started_at >= ${where.param(query.since)}::timestamptz`);
  }
  if (query.until !== undefined) where.add(`started_at < ${where.param(query.until)}::timestamptz`);
  if (query.sessionId !== undefined) where.add(`session_id = ${where.param(query.sessionId)}`);
  if (query.tag !== undefined) where.add(`tags @> ARRAY[${where.param(query.tag)}::text]`);
  if (owner !== undefined) {
    if (owner.ownerId === null) where.add('owner_id IS NULL');
    else {
      const ownerParam = where.param(owner.ownerId);
      where.add(
        owner.includeUnowned
          ? `(owner_id = ${ownerParam} OR owner_id IS NULL)`
          : `owner_id = ${ownerParam}`,
      );
    }
  }
  return where;
}

/** The usage records of one model matching `query` and `owner`, oldest first. */
export async function queryUsageRecords(
  client: SqlClient,
  usage: string,
  modelRecordId: string,
  query: UsageQuery,
  owner: UsageOwner | undefined,
): Promise<UsageRecord[]> {
  const where = usageWhere(modelRecordId, query, owner);
  const { rows } = await client.query<{ event: object; owner_id: string | null }>(
    `SELECT event, owner_id FROM ${usage} WHERE ${where} ORDER BY started_at, seq`,
    where.params,
  );
  return rows.map((row) => usageRecordSchema.parse({ ...row.event, ownerId: row.owner_id }));
}

/** Statistics of one model's usage matching `query` and `owner`. */
export async function queryUsageStats(
  client: SqlClient,
  usage: string,
  modelRecordId: string,
  query: UsageQuery,
  owner?: UsageOwner,
): Promise<UsageStats> {
  const where = usageWhere(modelRecordId, query, owner);
  const { rows } = await client.query<Record<string, number | string | null>>(
    `SELECT count(*)::float8 AS requests,
            count(error_code)::float8 AS errors,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY total_ms) AS p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY total_ms) AS p95,
            percentile_cont(0.5) WITHIN GROUP (ORDER BY time_to_first_token_ms) AS ttft_p50,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY time_to_first_token_ms) AS ttft_p95,
            coalesce(sum(input_tokens), 0)::float8 AS input,
            coalesce(sum(cached_input_tokens), 0)::float8 AS cached_input,
            coalesce(sum(output_tokens), 0)::float8 AS output,
            (count(*) FILTER (WHERE estimated))::float8 AS estimated
       FROM ${usage} WHERE ${where}`,
    where.params,
  );
  const codes = await client.query<{ error_code: string; count: number }>(
    `SELECT error_code, count(*)::float8 AS count FROM ${usage} WHERE ${where} AND error_code IS NOT NULL GROUP BY error_code`,
    where.params,
  );
  const row = rows[0] ?? {};
  const numberOrNull = (value: unknown) =>
    value === null || value === undefined ? null : Number(value);
  return {
    modelRecordId,
    requests: Number(row.requests ?? 0),
    errors: Number(row.errors ?? 0),
    errorCodes: Object.fromEntries(
      codes.rows.map((entry) => [entry.error_code, Number(entry.count)]),
    ),
    latencyMs: { p50: numberOrNull(row.p50), p95: numberOrNull(row.p95) },
    timeToFirstTokenMs: { p50: numberOrNull(row.ttft_p50), p95: numberOrNull(row.ttft_p95) },
    tokens: {
      input: Number(row.input ?? 0),
      cachedInput: Number(row.cached_input ?? 0),
      output: Number(row.output ?? 0),
      estimatedRequests: Number(row.estimated ?? 0),
    },
  };
}
