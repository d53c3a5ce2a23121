/**
 * From registry record to live model. The registry does not depend on any provider package:
 * callers pass `createModel` (e.g. `createModelFromSettings` from @tinyllm/providers).
 */
import { inspect } from 'node:util';
import { type ChatModel, type ModelSettings, TinyLLMError, toTinyLLMError } from '@tinyllm/core';
import { modelSettingsSchema } from '@tinyllm/core/schemas';
import type { ModelRecord } from './records';

/** Turns settings into a model; `createModelFromSettings` from @tinyllm/providers fits. */
export type CreateModel = (settings: ModelSettings) => ChatModel | Promise<ChatModel>;

/**
 * Hides the API key when settings are printed or serialized, without changing the object that
 * providers read (the key stays a normal property).
 */
function redactOnPrint(settings: ModelSettings): ModelSettings {
  const redacted = () => ({
    ...settings,
    apiKey: settings.apiKey === undefined ? undefined : '[REDACTED]',
  });
  Object.defineProperty(settings, 'toJSON', { value: redacted, enumerable: false });
  Object.defineProperty(settings, inspect.custom, {
    value: (_depth: number, options: object) => inspect(redacted(), options),
    enumerable: false,
  });
  return settings;
}

/**
 * The `ModelSettings` of a record. The API key is included only when `reveal` returns it
 * (`(record) => registry.models.reveal(record.id)`), and even then it is redacted when the
 * settings are printed or serialized.
 */
export async function recordToSettings(
  record: ModelRecord,
  options: { reveal?: (record: ModelRecord) => Promise<string | undefined> } = {},
): Promise<ModelSettings> {
  const apiKey =
    record.hasApiKey && options.reveal !== undefined ? await options.reveal(record) : undefined;
  const settings = modelSettingsSchema.parse({
    provider: record.provider,
    modelId: record.modelId,
    ...(record.baseUrl === null ? {} : { baseURL: record.baseUrl }),
    ...(record.contextLength === null ? {} : { contextLength: record.contextLength }),
    ...(record.maxOutputTokens === null ? {} : { maxOutputTokens: record.maxOutputTokens }),
    supportsStreaming: record.supportsStreaming,
    supportsFunctions: record.supportsFunctions,
    ...(record.options === null ? {} : { options: record.options }),
  });
  if (apiKey !== undefined) settings.apiKey = apiKey;
  return redactOnPrint(settings);
}

/**
 * A {@link ChatModel} for a record. Throws MODEL_NOT_FOUND for a disabled record, so a switched
 * off model cannot be used by accident.
 */
export async function createModelFromRecord(
  record: ModelRecord,
  createModel: CreateModel,
  options: { reveal?: (record: ModelRecord) => Promise<string | undefined> } = {},
): Promise<ChatModel> {
  if (!record.enabled) {
    throw new TinyLLMError({
      code: 'MODEL_NOT_FOUND',
      message: `Model "${record.name}" is disabled in the registry.`,
      provider: record.provider,
      modelId: record.modelId,
    });
  }
  return createModel(await recordToSettings(record, options));
}

/** Result of {@link testRecordConnection}. */
export interface ConnectionTestResult {
  ok: boolean;
  /** Error code when the test failed. */
  errorCode?: TinyLLMError['code'];
  message?: string;
  latencyMs: number;
}

/**
 * Checks that a record's model answers: creates it and sends one tiny request (or runs the
 * given `test`, e.g. `testConnection` from @tinyllm/providers). Never throws.
 */
export async function testRecordConnection(
  record: ModelRecord,
  createModel: CreateModel,
  options: {
    reveal?: (record: ModelRecord) => Promise<string | undefined>;
    signal?: AbortSignal;
    test?: (model: ChatModel) => Promise<unknown>;
  } = {},
): Promise<ConnectionTestResult> {
  const started = performance.now();
  try {
    const model = await createModelFromRecord(record, createModel, options);
    if (options.test !== undefined) await options.test(model);
    else {
      await model.chat(
        { messages: [{ role: 'user', content: 'ping' }], maxOutputTokens: 1 } as Parameters<
          ChatModel['chat']
        >[0],
        { signal: options.signal },
      );
    }
    return { ok: true, latencyMs: performance.now() - started };
  } catch (error) {
    const typed = toTinyLLMError(error, {
      code: 'PROVIDER_UNAVAILABLE',
      provider: record.provider,
      modelId: record.modelId,
    });
    return {
      ok: false,
      errorCode: typed.code,
      message: typed.message,
      latencyMs: performance.now() - started,
    };
  }
}
