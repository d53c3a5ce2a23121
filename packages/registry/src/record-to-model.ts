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

/** Reads a record's API key, e.g. `(record) => registry.models.reveal(record.id)`. */
export type RevealKey = (record: ModelRecord) => Promise<string | undefined>;

/** The part of a registry that turns a `name@alias` (or name, or id) into a record. */
export interface RecordSource {
  models: {
    get(reference: string): Promise<ModelRecord>;
    reveal(idOrName: string): Promise<string | undefined>;
  };
}

/** Options of {@link createModelFromRecord} and {@link testRecordConnection}. */
export interface RecordModelOptions {
  /** Reads the API key; without it the model gets none. */
  reveal?: RevealKey;
  /**
   * Where a reference (`qwen-tools@production`, a name or an id) passed instead of a record is
   * looked up; its `reveal` is the default `reveal`.
   */
  registry?: RecordSource;
}

const redactedKey = '[REDACTED]';

/**
 * Hides the API key from every copy and print of the settings: the key is a non-enumerable
 * property, so spread, `Object.entries`, `structuredClone` and `JSON.stringify` leave it out,
 * and `toJSON` / `util.inspect` show `[REDACTED]`. Reading `settings.apiKey` still works.
 */
function hideKey(settings: ModelSettings, apiKey: string | undefined): ModelSettings {
  if (apiKey !== undefined) {
    Object.defineProperty(settings, 'apiKey', {
      value: apiKey,
      enumerable: false,
      writable: true,
      configurable: true,
    });
  }
  const redacted = () => ({
    ...settings,
    ...(settings.apiKey === undefined ? {} : { apiKey: redactedKey }),
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
 * (`(record) => registry.models.reveal(record.id)`), and even then no copy or print of the
 * settings shows it: read it as `settings.apiKey` (see {@link createModelFromRecord}).
 */
export async function recordToSettings(
  record: ModelRecord,
  options: { reveal?: RevealKey } = {},
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
  return hideKey(settings, apiKey);
}

async function recordOf(
  recordOrReference: ModelRecord | string,
  options: RecordModelOptions,
): Promise<{ record: ModelRecord; reveal: RevealKey | undefined }> {
  const registry = options.registry;
  const fromRegistry: RevealKey | undefined =
    registry === undefined ? undefined : (record) => registry.models.reveal(record.id);
  const reveal = options.reveal ?? fromRegistry;
  if (typeof recordOrReference !== 'string') return { record: recordOrReference, reveal };
  if (registry === undefined) {
    throw new TinyLLMError({
      code: 'INVALID_REQUEST',
      message: `A model reference ("${recordOrReference}") needs options.registry to look it up.`,
      path: 'registry',
    });
  }
  return { record: await registry.models.get(recordOrReference), reveal };
}

function assertEnabled(record: ModelRecord): void {
  if (!record.enabled) {
    throw new TinyLLMError({
      code: 'MODEL_NOT_FOUND',
      message: `Model "${record.name}" is disabled in the registry.`,
      provider: record.provider,
      modelId: record.modelId,
    });
  }
}

/**
 * The settings handed to `createModel`: the key as an ordinary property, because provider
 * factories copy their settings (`{ ...settings }`) before reading it. This object goes only to
 * `createModel`, never back to the caller, and still prints redacted.
 */
function forFactory(settings: ModelSettings): ModelSettings {
  const apiKey = settings.apiKey;
  const copy = { ...settings, ...(apiKey === undefined ? {} : { apiKey }) };
  const redacted = () => ({ ...copy, ...(apiKey === undefined ? {} : { apiKey: redactedKey }) });
  Object.defineProperty(copy, 'toJSON', { value: redacted, enumerable: false });
  Object.defineProperty(copy, inspect.custom, {
    value: (_depth: number, printOptions: object) => inspect(redacted(), printOptions),
    enumerable: false,
  });
  return copy;
}

/**
 * A {@link ChatModel} for a record, or for a reference (`qwen-tools@production`, a name or an
 * id) looked up in `options.registry` now. Throws MODEL_NOT_FOUND for a disabled record, so a
 * switched off model cannot be used by accident.
 */
export async function createModelFromRecord(
  recordOrReference: ModelRecord | string,
  createModel: CreateModel,
  options: RecordModelOptions = {},
): Promise<ChatModel> {
  const { record, reveal } = await recordOf(recordOrReference, options);
  assertEnabled(record);
  const settings = await recordToSettings(record, reveal === undefined ? {} : { reveal });
  return createModel(forFactory(settings));
}

/** Result of {@link testRecordConnection}. */
export interface ConnectionTestResult {
  ok: boolean;
  /** Error code when the test failed. */
  errorCode?: TinyLLMError['code'];
  /** What went wrong, with the record's API key replaced by `[REDACTED]` wherever it appeared. */
  message?: string;
  latencyMs: number;
}

/** `text` with every occurrence of `secret` (as sent, or URL-encoded) replaced. */
export function redactSecret(text: string, secret: string | undefined): string {
  if (secret === undefined || secret.length < 4) return text;
  let out = text.split(secret).join(redactedKey);
  const encoded = encodeURIComponent(secret);
  if (encoded !== secret) out = out.split(encoded).join(redactedKey);
  return out;
}

/**
 * Checks that a record's model answers: creates it and sends one tiny request (or runs the
 * given `test`, e.g. `testConnection` from @tinyllm/providers). Never throws, and never shows
 * the API key, even when the server echoes it back in its error.
 */
export async function testRecordConnection(
  recordOrReference: ModelRecord | string,
  createModel: CreateModel,
  options: RecordModelOptions & {
    signal?: AbortSignal;
    test?: (model: ChatModel) => Promise<unknown>;
  } = {},
): Promise<ConnectionTestResult> {
  const started = performance.now();
  let secret: string | undefined;
  let record: ModelRecord | undefined;
  try {
    const found = await recordOf(recordOrReference, options);
    record = found.record;
    assertEnabled(record);
    const settings = await recordToSettings(
      record,
      found.reveal === undefined ? {} : { reveal: found.reveal },
    );
    secret = settings.apiKey;
    const model = await createModel(forFactory(settings));
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
      ...(record === undefined ? {} : { provider: record.provider, modelId: record.modelId }),
    });
    return {
      ok: false,
      errorCode: typed.code,
      message: redactSecret(typed.message, secret),
      latencyMs: performance.now() - started,
    };
  }
}
