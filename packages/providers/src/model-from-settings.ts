/**
 * Building a model from serializable settings (a registry record), and testing a connection.
 * Adapters are imported lazily, so this module loads no SDK until a model of that kind is built.
 */
import {
  type CallOptions,
  type ChatModel,
  type ChatRequest,
  type ErrorCode,
  type ModelSettings,
  TinyLLMError,
  toTinyLLMError,
} from '@tinyllm/core';
import { modelSettingsSchema } from '@tinyllm/core/schemas';

/** What {@link createModelFromSettings} accepts on top of the settings (not serializable parts). */
export interface ModelSettingsOverrides extends Partial<ModelSettings> {
  /** A `fetch` for remote adapters (proxies, tests, tracing). */
  fetch?: typeof globalThis.fetch;
}

function invalidConfig(message: string, path?: string): TinyLLMError {
  return new TinyLLMError({
    code: 'INVALID_CONFIG',
    message,
    retryable: false,
    ...(path ? { path } : {}),
  });
}

function pick(options: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (options[key] !== undefined) out[key] = options[key];
  return out;
}

function omit(options: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...options };
  for (const key of keys) delete out[key];
  return out;
}

/**
 * Builds the right adapter's model from `{ provider, modelId, baseURL, apiKey, ... }`.
 *
 * `options` holds the adapter's per-model options (e.g. `{ think: false, keepAlive: '5m' }` for
 * Ollama, `{ dtype: 'q8' }` for transformers); for Hugging Face, `options.provider` picks the
 * Inference Provider and `baseURL` is a dedicated endpoint URL (TGI, Inference Endpoints); for
 * transformers, `baseURL` is the local models folder. `maxOutputTokens` becomes the default of
 * requests that set none; `contextLength`, `supportsFunctions` and `supportsStreaming` override
 * the reported capabilities.
 *
 * @example
 * ```ts
 * const model = await createModelFromSettings({ provider: 'ollama', modelId: 'qwen3:0.6b' });
 * ```
 */
export async function createModelFromSettings(
  settings: ModelSettings,
  overrides: ModelSettingsOverrides = {},
): Promise<ChatModel> {
  const { fetch, ...settingOverrides } = overrides;
  // The key is read explicitly: settings from @tinyllm/registry's recordToSettings() hold it as
  // a non-enumerable property (so no copy or print shows it), which a spread leaves out.
  const apiKey = settingOverrides.apiKey ?? settings.apiKey;
  const parsed = modelSettingsSchema.safeParse({
    ...settings,
    ...settingOverrides,
    ...(apiKey === undefined ? {} : { apiKey }),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.join('.');
    throw invalidConfig(`Invalid model settings at ${path || '(root)'}: ${issue.message}`, path);
  }
  const resolved = parsed.data;
  const options = resolved.options ?? {};
  const remote = {
    ...(resolved.apiKey ? { apiKey: resolved.apiKey } : {}),
    ...(resolved.headers ? { headers: resolved.headers } : {}),
    ...(fetch ? { fetch } : {}),
  };
  let model: ChatModel;
  switch (resolved.provider) {
    case 'ollama': {
      const { createOllama } = await import('./ollama/index');
      model = createOllama({
        ...remote,
        ...(resolved.baseURL ? { baseURL: resolved.baseURL } : {}),
      })(resolved.modelId, {
        ...(resolved.contextLength ? { options: { num_ctx: resolved.contextLength } } : {}),
        ...options,
      });
      break;
    }
    case 'openai-compatible': {
      if (!resolved.baseURL)
        throw invalidConfig(
          'An openai-compatible model needs a baseURL (e.g. http://localhost:8000/v1).',
          'baseURL',
        );
      const { createOpenAICompatible } = await import('./openai-compatible/index');
      const providerKeys = ['name', 'includeUsage'];
      model = createOpenAICompatible({
        ...remote,
        baseURL: resolved.baseURL,
        ...pick(options, providerKeys),
      })(resolved.modelId, omit(options, providerKeys));
      break;
    }
    case 'huggingface': {
      const { createHuggingFace } = await import('./huggingface/index');
      const providerKeys = ['provider', 'endpointUrl', 'billTo', 'includeUsage', 'baseURL'];
      model = createHuggingFace({
        ...remote,
        ...(resolved.baseURL ? { endpointUrl: resolved.baseURL } : {}),
        ...pick(options, providerKeys),
      })(resolved.modelId, omit(options, providerKeys));
      break;
    }
    case 'transformers': {
      const { createTransformers } = await import('./transformers/index');
      const providerKeys = [
        'modelsDir',
        'localModelPath',
        'allowRemoteModels',
        'cacheDir',
        'dtype',
        'device',
        'manager',
        'importLibrary',
      ];
      model = createTransformers({
        ...(resolved.baseURL ? { modelsDir: resolved.baseURL } : {}),
        ...pick(options, providerKeys),
      })(resolved.modelId, {
        ...(resolved.contextLength ? { contextLength: resolved.contextLength } : {}),
        ...omit(options, [
          'modelsDir',
          'localModelPath',
          'allowRemoteModels',
          'cacheDir',
          'manager',
          'importLibrary',
        ]),
      });
      break;
    }
  }
  return withSettingsDefaults(model, resolved);
}

/** Applies `maxOutputTokens` and the capability overrides of the settings. */
function withSettingsDefaults(model: ChatModel, settings: ModelSettings): ChatModel {
  const capabilities = {
    ...model.capabilities,
    ...(settings.contextLength ? { contextLength: settings.contextLength } : {}),
    ...(settings.supportsFunctions === undefined ? {} : { tools: settings.supportsFunctions }),
    ...(settings.supportsStreaming === undefined ? {} : { streaming: settings.supportsStreaming }),
  };
  const maxOutputTokens = settings.maxOutputTokens;
  const withDefaults = (request: ChatRequest): ChatRequest =>
    maxOutputTokens === undefined || request.maxOutputTokens !== undefined
      ? request
      : { ...request, maxOutputTokens };
  // A plain object over the original keeps adapter extras (e.g. transformers' methods) reachable.
  return Object.assign(Object.create(model) as ChatModel, {
    provider: model.provider,
    modelId: model.modelId,
    capabilities,
    chat: (request: ChatRequest, options?: CallOptions) =>
      model.chat(withDefaults(request), options),
    stream: (request: ChatRequest, options?: CallOptions) =>
      model.stream(withDefaults(request), options),
  });
}

/** Options of {@link testConnection}. */
export interface TestConnectionOptions {
  signal?: AbortSignal;
  /** Give up after this many milliseconds (default 10 000): the result is `TIMEOUT`. */
  timeoutMs?: number;
}

/** The outcome of {@link testConnection}. */
export type TestConnectionResult =
  | { ok: true; latencyMs: number }
  | { ok: false; code: ErrorCode; message: string; latencyMs: number };

function isChatModel(value: ChatModel | ModelSettings): value is ChatModel {
  return typeof (value as ChatModel).chat === 'function';
}

/**
 * Checks that a model answers: builds it (for settings), sends a one-token request and reports
 * the latency, or the typed error code (`AUTH_FAILED`, `MODEL_NOT_FOUND`, `TIMEOUT`, ...).
 * Never throws.
 *
 * @example
 * ```ts
 * const result = await testConnection({ provider: 'ollama', modelId: 'qwen3:0.6b' }, { timeoutMs: 3000 });
 * if (!result.ok) console.error(result.code, result.message);
 * ```
 */
export async function testConnection(
  modelOrSettings: ChatModel | ModelSettings,
  options: TestConnectionOptions = {},
): Promise<TestConnectionResult> {
  const startedAt = performance.now();
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const model = isChatModel(modelOrSettings)
      ? modelOrSettings
      : await createModelFromSettings(modelOrSettings);
    await model.chat(
      { messages: [{ role: 'user', content: 'ping' }], maxOutputTokens: 1 },
      { signal },
    );
    return { ok: true, latencyMs: performance.now() - startedAt };
  } catch (error) {
    const latencyMs = performance.now() - startedAt;
    if (timeout.aborted && !options.signal?.aborted) {
      return {
        ok: false,
        code: 'TIMEOUT',
        message: `No answer within ${options.timeoutMs ?? 10_000} ms.`,
        latencyMs,
      };
    }
    const typed = toTinyLLMError(error, { code: 'GENERATION_FAILED' });
    return { ok: false, code: typed.code, message: typed.message, latencyMs };
  }
}
