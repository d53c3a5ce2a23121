/** `GET /health`: the served models, the local queues and the process memory. */
import type { ModelManager } from '@tinyllm/providers/transformers';

/** The body of `GET /health`. */
export interface HealthReport {
  status: 'ok';
  /** Local models loaded (or loading) now, with their queues. */
  loadedModels: Array<{
    modelId: string;
    state: 'loading' | 'loaded' | 'unloading';
    activeRequests: number;
    queuedRequests: number;
    memoryBytes: number;
  }>;
  /** Process memory, where the runtime reports it (Node, Bun, Deno). */
  memory?: { rssBytes: number; heapUsedBytes: number };
  uptimeSeconds: number;
}

const startedAt = Date.now();

/** Builds the health report from the managers of the served local models. */
export function healthReport(managers: readonly ModelManager[]): HealthReport {
  const loadedModels = managers.flatMap((manager) =>
    manager.disposed
      ? []
      : manager.models().map((info) => ({
          modelId: info.modelId,
          state: info.state,
          activeRequests: info.activeRequests,
          queuedRequests: info.queuedRequests,
          memoryBytes: info.memoryBytes,
        })),
  );
  const memoryUsage = (
    globalThis as { process?: { memoryUsage?: () => { rss: number; heapUsed: number } } }
  ).process?.memoryUsage?.();
  return {
    status: 'ok',
    loadedModels,
    ...(memoryUsage
      ? { memory: { rssBytes: memoryUsage.rss, heapUsedBytes: memoryUsage.heapUsed } }
      : {}),
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
  };
}
