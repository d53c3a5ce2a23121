/**
 * "How to reach a model": the provider ids and settings type a registry record stores and
 * `createModelFromSettings()` in @tinyllm/providers reads. The zod schemas are in
 * `./schemas/model-settings.ts` (`@tinyllm/core/schemas`).
 */

export type { ModelSettings, ProviderId } from './schemas/model-settings';

/** Provider ids known to tinyllm. */
export const providerIds = ['huggingface', 'transformers', 'ollama', 'openai-compatible'] as const;
