/**
 * `tinyllm-registry compare`: models side by side before a promotion, on what the registry knows
 * of each: the evaluation metrics stored with the model and the usage recorded for it.
 */
import type { Registry } from '../registry';
import type { UsageQuery, UsageStats } from '../records';

/** One model's column. */
export interface ComparedModel {
  id: string;
  name: string;
  /** `provenance.evaluation`, or `{}`. */
  evaluation: Record<string, number>;
  usage: UsageStats;
}

export async function compareModels(
  registry: Registry,
  models: string[],
  query: UsageQuery,
): Promise<ComparedModel[]> {
  return Promise.all(
    models.map(async (idOrName) => {
      const model = await registry.models.get(idOrName);
      return {
        id: model.id,
        name: model.name,
        evaluation: model.provenance?.evaluation ?? {},
        usage: await registry.usage.stats(model.id, query),
      };
    }),
  );
}

// Three significant digits below 10 (accuracies, a small loss), one decimal above (latencies).
const metric = (value: number | undefined | null) =>
  value === undefined || value === null
    ? '-'
    : Number.isInteger(value)
      ? String(value)
      : Math.abs(value) < 10
        ? String(Number(value.toPrecision(3)))
        : value.toFixed(1);

/** A tab-separated table: a row per metric (any model's, in first-seen order), a column per model. */
export function formatComparison(models: ComparedModel[]): string {
  const keys = [...new Set(models.flatMap((model) => Object.keys(model.evaluation)))];
  const usageRows: Array<[string, (usage: UsageStats) => number | null]> = [
    ['requests', (usage) => usage.requests],
    ['errors', (usage) => usage.errors],
    ['latency p50 ms', (usage) => usage.latencyMs.p50],
    ['latency p95 ms', (usage) => usage.latencyMs.p95],
    ['first token p50 ms', (usage) => usage.timeToFirstTokenMs.p50],
    ['input tokens', (usage) => usage.tokens.input],
    ['cached input tokens', (usage) => usage.tokens.cachedInput],
    ['output tokens', (usage) => usage.tokens.output],
  ];
  return [
    ['', ...models.map((model) => model.name)],
    ...keys.map((key) => [key, ...models.map((model) => metric(model.evaluation[key]))]),
    ...usageRows.map(([label, pick]) => [
      `usage: ${label}`,
      ...models.map((model) => metric(pick(model.usage))),
    ]),
  ]
    .map((row) => row.join('\t'))
    .join('\n');
}
