/**
 * From a registry record to a live model: the record's settings go to `createModelFromSettings`,
 * which picks the provider. Local (transformers) models share one model manager, so the app can
 * draw a progress bar while a model loads or downloads and keep loaded models within one budget.
 */
import type { ChatModel } from '@tinyllm/core';
import { createModelFromSettings } from '@tinyllm/providers';
import type { ModelManager } from '@tinyllm/providers/transformers';
import { type ModelRecord, recordToSettings } from '@tinyllm/registry';

/** A model that can be loaded ahead of its first request (local models). */
export type LoadableModel = ChatModel & {
  load?: (options?: { signal?: AbortSignal }) => Promise<void>;
};

/**
 * Creates the model of `record`. `apiKey` is passed to servers that need one (these examples do
 * not store keys in their registry; with an encryption key, pass `reveal` to recordToSettings).
 */
export async function createModelForRecord(
  record: ModelRecord,
  manager: ModelManager,
  apiKey?: string,
): Promise<LoadableModel> {
  const settings = await recordToSettings(record);
  return createModelFromSettings(settings, {
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(record.provider === 'transformers' ? { options: { ...settings.options, manager } } : {}),
  });
}
