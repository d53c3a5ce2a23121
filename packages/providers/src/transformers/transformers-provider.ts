/**
 * The local transformers.js adapter: in-process inference on ONNX models, with the model
 * manager deciding when models load and unload.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  type ChatModel,
  type ChatRequest,
  HermesToolCallParser,
  type ProviderStreamEvent,
  TinyLLMError,
  abortedError,
  defineChatModel,
} from '@tinyllm/core';
import { toTemplateMessages, toTemplateTools } from './chat-template';
import { createRequestProcessor, planRequestConstraint } from './constrained/index';
import {
  type TransformersDevice,
  type TransformersDtype,
  type TransformersRuntime,
  type TransformersSessionOptions,
  checkSessionOptions,
  createTransformersLoader,
  resolveModelLocation,
} from './load-model';
import {
  type ModelLoader,
  type ModelManager,
  type ModelManagerOptions,
  createModelManager,
} from './model-manager';
import { type ContextOverflow, fitToContext } from './context-overflow';
import {
  type CachedPrefix,
  clearPromptCache,
  storePromptCache,
  takePromptCache,
} from './prompt-cache';
import { promptEncoderFor, tokenizerEncoder } from './prompt-encoder';
import {
  IncrementalDecoder,
  StopSequenceFilter,
  type TokenTextDecoder,
  byteLevelDecoderFor,
} from './token-decoder';

const provider = 'transformers';

/** Settings of {@link createTransformers}. */
export interface TransformersSettings {
  /**
   * Folder holding one sub-folder per model (`<modelsDir>/<modelId>/config.json`). A model id
   * may also be a folder path itself (absolute or starting with `.`).
   */
  modelsDir?: string;
  /** Alias of {@link TransformersSettings.modelsDir} (transformers.js's name for it). */
  localModelPath?: string;
  /** Download models from the Hugging Face Hub when not found locally. Default false. */
  allowRemoteModels?: boolean;
  /** Where downloaded Hub models are cached. Default: transformers.js's cache. */
  cacheDir?: string;
  /** Default weights dtype of this provider's models (e.g. `q8`, `fp32`). */
  dtype?: TransformersDtype;
  /** Default device of this provider's models. Default: transformers.js's choice (`cpu` in Node). */
  device?: TransformersDevice;
  /**
   * Default ONNX Runtime session options of this provider's models, e.g.
   * `{ intraOpNumThreads: 1 }` (see {@link TransformersSessionOptions}).
   */
  sessionOptions?: TransformersSessionOptions;
  /**
   * The model manager to share (so limits cover all models of the app), or options for a
   * manager owned by this provider. Default: a manager with default options.
   */
  manager?: ModelManager | ModelManagerOptions;
  /**
   * Loads the transformers.js module. Default: `import('@huggingface/transformers')`. Inject it
   * when bundling, or to use a preloaded copy.
   */
  importLibrary?: () => Promise<unknown>;
}

/** Per-model options: `transformers(modelId, options)`. */
export interface TransformersModelOptions {
  dtype?: TransformersDtype;
  device?: TransformersDevice;
  /** ONNX Runtime session options, merged over the provider's `sessionOptions`. */
  sessionOptions?: TransformersSessionOptions;
  /** Output tokens when a request sets no `maxOutputTokens`. Default 256. */
  defaultMaxOutputTokens?: number;
  /** Context window for `capabilities.contextLength` (otherwise read from the model on load). */
  contextLength?: number;
  /**
   * When a conversation no longer fits the context window: `trim-oldest` (default) drops the
   * oldest exchanges whole (a user message with the tool calls, tool results and answer after
   * it; never a tool call without its result) until the prompt leaves `maxOutputTokens` free;
   * `error` fails with `CONTEXT_LENGTH_EXCEEDED`. Either way, a prompt that fills the window with
   * only the system prompt, the tools and the newest message fails with `CONTEXT_LENGTH_EXCEEDED`.
   */
  contextOverflow?: ContextOverflow;
  /** Whether the model was trained to call tools. Default true. */
  supportsTools?: boolean;
  /** Parse `<think>` blocks into reasoning. Default true. */
  parseReasoning?: boolean;
  /** Extra variables for the chat template, e.g. `{ enable_thinking: false }` for Qwen3. */
  chatTemplateOptions?: Record<string, unknown>;
  /**
   * Extra transformers.js generation options for every request (e.g. `{ repetition_penalty: 1.1 }`).
   * A request's `providerOptions.transformers` overrides them.
   */
  generationOptions?: Record<string, unknown>;
  /** Longest a request may wait for the model, in ms (otherwise the manager's `queueTimeoutMs`). */
  queueTimeoutMs?: number;
  /**
   * Constrained decoding: mask, at every step, the tokens that would leave the grammar of
   * `responseFormat: { type: 'json', schema }` or of a forced tool call (`toolChoice` `required`
   * or a named tool). Default true; false leaves the model's output as it comes.
   */
  constrainedDecoding?: boolean;
  /**
   * Also constrain every tool call the model starts on its own (`toolChoice` `auto`): from
   * `<tool_call>` on, only a call of a given tool with arguments valid for its schema. Default true.
   */
  constrainToolCalls?: boolean;
  /**
   * Prompt caching: keep the model's KV cache after a request and continue the next one from the
   * longest prefix of tokens they share, so a chat's next turn runs only its new tokens through
   * the model instead of the whole history. Exact (same logits). `true` (the default) keeps the
   * last request's cache; `{ maxEntries }` keeps the last few, for an app that serves several
   * conversations in turn; `false` keeps none. Each entry costs 2 × layers × KV heads × head size
   * × 4 bytes per token (the shipped tiny-tool-qwen: 2 KiB, so 4 MiB for its whole window;
   * Qwen3-0.6B: 224 KiB).
   */
  promptCache?: boolean | { maxEntries?: number };
}

/** A transformers.js chat model, with control over its loading. */
export interface TransformersChatModel extends ChatModel {
  /** Loads the model now (otherwise it loads on first use). Progress goes to the manager's listeners. */
  load(options?: { signal?: AbortSignal }): Promise<void>;
  /** Unloads the model; the next request loads it again. */
  unload(): Promise<boolean>;
  /**
   * Leases the loaded tokenizer and model for direct use (benchmarks, custom pipelines). Release
   * the lease: the model runs one lease at a time like any request.
   */
  acquireRuntime(options?: {
    signal?: AbortSignal;
  }): Promise<{ runtime: TransformersRuntime; release(): void }>;
  /** The manager that owns this model. */
  readonly manager: ModelManager;
}

/** The provider returned by {@link createTransformers}: call it with a model id. */
export interface TransformersProvider {
  (modelId: string, options?: TransformersModelOptions): TransformersChatModel;
  chatModel(modelId: string, options?: TransformersModelOptions): TransformersChatModel;
  readonly manager: ModelManager;
  /** Disposes the manager if this provider created it (a shared manager is left to its owner). */
  dispose(): Promise<void>;
}

function isManager(value: TransformersSettings['manager']): value is ModelManager {
  return typeof value === 'object' && value !== null && 'acquire' in value;
}

/**
 * Creates the local transformers.js provider.
 *
 * @example
 * ```ts
 * const transformers = createTransformers({ modelsDir: './models', dtype: 'q8' });
 * const model = transformers('tiny-tool-qwen');
 * const response = await model.chat({ messages: [{ role: 'user', content: 'What is 12 * 7?' }], tools });
 * ```
 */
export function createTransformers(settings: TransformersSettings = {}): TransformersProvider {
  const ownsManager = !isManager(settings.manager);
  const manager = isManager(settings.manager)
    ? settings.manager
    : createModelManager(settings.manager);
  const modelsDir = settings.modelsDir ?? settings.localModelPath;

  const chatModel = (
    modelId: string,
    options: TransformersModelOptions = {},
  ): TransformersChatModel => {
    const dtype = options.dtype ?? settings.dtype;
    const device = options.device ?? settings.device;
    const sessionOptions =
      settings.sessionOptions === undefined && options.sessionOptions === undefined
        ? undefined
        : { ...settings.sessionOptions, ...options.sessionOptions };
    checkSessionOptions(sessionOptions, modelId);
    const promptCacheEntries = promptCacheEntriesOf(options.promptCache, modelId);
    const loader = createTransformersLoader({
      modelId,
      modelsDir,
      allowRemoteModels: settings.allowRemoteModels ?? false,
      cacheDir: settings.cacheDir,
      dtype,
      device,
      sessionOptions,
      importLibrary: settings.importLibrary,
    });
    // The same folder under other dtype/device/session settings is another model in memory.
    const managerKey =
      dtype === undefined && device === undefined && sessionOptions === undefined
        ? modelId
        : `${modelId}?dtype=${dtype ?? 'default'}&device=${device ?? 'default'}${
            sessionOptions === undefined ? '' : `&session=${JSON.stringify(sessionOptions)}`
          }`;
    const contextLength = options.contextLength ?? readContextLength(modelId, modelsDir);
    const model = defineChatModel({
      provider,
      modelId,
      capabilities: {
        streaming: true,
        tools: options.supportsTools ?? true,
        reasoning: options.parseReasoning ?? true,
        ...(options.constrainedDecoding === false ? {} : { structuredOutput: 'enforced' as const }),
        ...(contextLength === undefined ? {} : { contextLength }),
      },
      doStream: (request, { signal }) =>
        generateStream({
          request,
          signal,
          manager,
          managerKey,
          loader,
          modelId,
          options,
          promptCacheEntries,
        }),
    });
    return Object.assign(model, {
      manager,
      load: (loadOptions: { signal?: AbortSignal } = {}) =>
        manager.load(managerKey, loader, loadOptions),
      unload: () => manager.unload(managerKey),
      acquireRuntime: async (leaseOptions: { signal?: AbortSignal } = {}) => {
        const lease = await manager.acquire(managerKey, loader, leaseOptions);
        return { runtime: lease.value, release: lease.release };
      },
    });
  };

  const providerFunction = ((modelId: string, options?: TransformersModelOptions) =>
    chatModel(modelId, options)) as TransformersProvider;
  return Object.assign(providerFunction, {
    chatModel,
    manager,
    dispose: async () => {
      if (ownsManager) await manager.dispose();
    },
  });
}

interface GenerateStreamInit {
  request: ChatRequest;
  signal: AbortSignal;
  manager: ModelManager;
  managerKey: string;
  loader: ModelLoader<TransformersRuntime>;
  modelId: string;
  options: TransformersModelOptions;
  /** Caches kept for the next requests (0: prompt caching is off). */
  promptCacheEntries: number;
}

async function* generateStream(init: GenerateStreamInit): AsyncGenerator<ProviderStreamEvent> {
  const { request, signal, modelId, options } = init;
  const context = { provider, modelId };
  // Before the lease: a schema the automaton cannot compile fails without loading the model.
  const constraint = planRequestConstraint(request, options);
  const lease = await init.manager.acquire(init.managerKey, init.loader, {
    signal,
    ...(options.queueTimeoutMs === undefined ? {} : { queueTimeoutMs: options.queueTimeoutMs }),
  });
  let generation: Promise<unknown> | undefined;
  let stopping: { interrupt(): void } | undefined;
  const interrupt = (): void => stopping?.interrupt();
  let onAbort: () => void = interrupt;
  const leaseSignal = lease.signal;
  try {
    const { tokenizer, model, library } = lease.value;
    const tools = toTemplateTools(request.tools, request.toolChoice);
    const contextLength =
      options.contextLength ??
      (typeof model.config['max_position_embeddings'] === 'number'
        ? model.config['max_position_embeddings']
        : undefined);
    // transformers.js stops at 20 new tokens unless told otherwise.
    let maxNewTokens = request.maxOutputTokens ?? options.defaultMaxOutputTokens ?? 256;
    const slowEncode = tokenizerEncoder(tokenizer);
    const encodePrompt = promptEncoderFor(tokenizer, library.Tensor, slowEncode) ?? slowEncode;
    const { prompt, inputs, inputTokens } = fitToContext({
      messages: request.messages,
      encode: (messages) => {
        const prompt = tokenizer.apply_chat_template(toTemplateMessages(messages), {
          ...options.chatTemplateOptions,
          ...(tools ? { tools } : {}),
          add_generation_prompt: true,
          tokenize: false,
        });
        if (typeof prompt !== 'string') {
          throw new TinyLLMError({
            code: 'GENERATION_FAILED',
            message: 'The chat template did not render to text.',
            ...context,
          });
        }
        const { input_ids, attention_mask, inputTokens } = encodePrompt(prompt);
        return { prompt, inputs: { input_ids, attention_mask }, inputTokens };
      },
      contextLength,
      maxOutputTokens: maxNewTokens,
      overflow: options.contextOverflow ?? 'trim-oldest',
      ...context,
    });
    if (contextLength !== undefined)
      maxNewTokens = Math.min(maxNewTokens, contextLength - inputTokens);
    const eosTokenIds = toIdSet(
      model.generation_config?.['eos_token_id'] ?? model.config['eos_token_id'],
    );
    const sampling = samplingOf(request);
    // The model's options, then the request's sampling, then its provider options: later wins.
    const decoding = {
      ...options.generationOptions,
      ...sampling,
      ...request.providerOptions?.['transformers'],
    };
    const logitsProcessor = constraint
      ? createRequestProcessor(constraint, {
          tokenizer,
          promptLength: inputTokens,
          maxNewTokens,
          eosTokenIds,
          context,
          greedy: isGreedy(decoding, model.generation_config),
        })
      : undefined;

    // Generated ids arrive through a streamer the generation loop calls after each step; the
    // loop runs on, so tokens queue here until the consumer takes them.
    const queue: number[] = [];
    let wake: (() => void) | undefined;
    let ended = false;
    let failure: unknown;
    let sawPrompt = false;
    const notify = (): void => {
      const resolve = wake;
      wake = undefined;
      resolve?.();
    };
    const streamer = {
      put(ids: bigint[][]): void {
        // The first call carries the prompt.
        if (!sawPrompt) {
          sawPrompt = true;
          return;
        }
        for (const row of ids) if (row[0] !== undefined) queue.push(Number(row[0]));
        notify();
      },
      end(): void {},
    };
    const criteria = new library.InterruptableStoppingCriteria();
    stopping = criteria;
    // The library has no AbortSignal: its interruptable criteria is checked after every token,
    // so an abort stops generation within one step.
    onAbort = () => {
      interrupt();
      notify();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    leaseSignal.addEventListener('abort', onAbort, { once: true });
    if (signal.aborted || leaseSignal.aborted) interrupt();

    if (request.seed !== undefined && sampling['do_sample'] === true)
      library.random?.seed(request.seed);
    // Prompt caching needs the prompt's ids (a tensor's data; a stand-in library may have none).
    const promptIds = (inputs.input_ids as { data?: unknown }).data;
    const caching = init.promptCacheEntries > 0 && promptIds instanceof BigInt64Array;
    let cached: CachedPrefix | undefined;
    if (!caching) clearPromptCache(model);
    else cached = takePromptCache(model, promptIds, library);
    generation = model
      .generate({
        ...inputs,
        ...decoding,
        max_new_tokens: maxNewTokens,
        ...(logitsProcessor ? { logits_processor: [logitsProcessor] } : {}),
        ...(cached ? { past_key_values: cached.pastKeyValues } : {}),
        ...(caching ? { return_dict_in_generate: true } : {}),
        stopping_criteria: [criteria],
        streamer,
      })
      .then(
        (result) => {
          if (caching) storePromptCache(model, result, init.promptCacheEntries);
          ended = true;
          notify();
        },
        (error: unknown) => {
          failure = error;
          ended = true;
          notify();
        },
      );

    const decoder: TokenTextDecoder =
      byteLevelDecoderFor(tokenizer)?.() ??
      new IncrementalDecoder((ids) => tokenizer.decode(ids, { skip_special_tokens: true }));
    const stops = new StopSequenceFilter(request.stop);
    const parseReasoning = options.parseReasoning ?? true;
    const parser = new HermesToolCallParser({
      parseReasoning,
      // Some thinking templates (Qwen3 thinking variants) open the `<think>` block in the prompt.
      startInReasoning: parseReasoning && /<think>\s*$/.test(prompt),
    });
    let outputTokens = 0;
    let lastToken: number | undefined;
    let sawToolCall = false;
    // Parser events for a piece of text (an array, not a generator: this runs once per token).
    // A constrained JSON reply is the JSON text, whole: `<tool_call>` or `<think>` inside one of
    // its strings (tokens of this vocabulary) is content, not markup for the parser.
    const plainJson = constraint?.mode === 'json';
    const toEvents = (text: string): readonly ProviderStreamEvent[] => {
      if (text.length === 0) return noEvents;
      if (plainJson) return [{ type: 'text-delta', text }];
      const events = parser.push(text);
      for (const event of events) if (event.type === 'tool-call') sawToolCall = true;
      return events;
    };

    while (true) {
      // Tokens that queued up while the consumer was busy go out as one delta: streaming stays
      // per token when the consumer keeps up, and costs less per token when it does not.
      let text = '';
      let index = 0;
      while (index < queue.length && !stops.stopped) {
        const token = queue[index++]!;
        outputTokens++;
        lastToken = token;
        text += stops.push(decoder.push(token));
      }
      queue.length = 0;
      if (stops.stopped) interrupt();
      for (const event of toEvents(text)) yield event;
      if (ended || stops.stopped) break;
      if (signal.aborted) throw abortedError(signal, context);
      if (leaseSignal.aborted) throw abortedError(leaseSignal, context);
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    if (!stops.stopped) for (const event of toEvents(stops.push(decoder.flush()))) yield event;
    for (const event of toEvents(stops.flush())) yield event;
    for (const event of parser.flush()) {
      if (event.type === 'tool-call') sawToolCall = true;
      yield event;
    }
    if (failure !== undefined) {
      throw new TinyLLMError({
        code: 'GENERATION_FAILED',
        message: `Generation failed: ${failure instanceof Error ? failure.message : String(failure)}`,
        ...context,
        cause: failure,
      });
    }
    if (leaseSignal.aborted && !stops.stopped && !isEos(lastToken, eosTokenIds)) {
      throw abortedError(leaseSignal, context);
    }
    const hitLength =
      !stops.stopped && outputTokens >= maxNewTokens && !isEos(lastToken, eosTokenIds);
    yield {
      type: 'finish',
      finishReason: sawToolCall ? 'tool-calls' : hitLength ? 'length' : 'stop',
      usage: {
        inputTokens,
        outputTokens,
        totalTokens: inputTokens + outputTokens,
        ...(caching ? { cachedInputTokens: cached?.tokens ?? 0 } : {}),
        estimated: false,
      },
    };
  } finally {
    signal.removeEventListener('abort', onAbort);
    leaseSignal.removeEventListener('abort', onAbort);
    // Stop a generation the consumer walked away from, and keep the model leased until the
    // loop has really ended, so the next request never runs alongside it.
    if (generation) {
      interrupt();
      await generation;
    }
    lease.release();
  }
}

/** How many prompt caches a model keeps: `INVALID_CONFIG` naming the field for a bad count. */
function promptCacheEntriesOf(
  setting: TransformersModelOptions['promptCache'],
  modelId: string,
): number {
  if (setting === undefined || setting === true) return 1;
  if (setting === false) return 0;
  const entries =
    typeof setting === 'object' && setting !== null ? (setting.maxEntries ?? 1) : setting;
  if (Number.isInteger(entries) && entries >= 1) return entries;
  throw new TinyLLMError({
    code: 'INVALID_CONFIG',
    message: `promptCache must be true, false or { maxEntries } with a whole number ≥ 1, got ${typeof setting === 'object' && setting !== null ? `maxEntries ${String(entries)}` : String(setting)}.`,
    retryable: false,
    provider,
    modelId,
    path:
      typeof setting === 'object' && setting !== null ? 'promptCache.maxEntries' : 'promptCache',
  });
}

/** The context window from a local model's config.json, when there is one (no load needed). */
function readContextLength(modelId: string, modelsDir: string | undefined): number | undefined {
  try {
    const location = resolveModelLocation(modelId, { modelsDir, allowRemoteModels: false });
    if (location.kind !== 'local') return undefined;
    const config = JSON.parse(readFileSync(path.join(location.directory, 'config.json'), 'utf8'));
    const value = (config as Record<string, unknown>)['max_position_embeddings'];
    return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
  } catch {
    // Not local (or unreadable): the window is read from the model when it loads.
    return undefined;
  }
}

const noEvents: readonly ProviderStreamEvent[] = [];

function samplingOf(request: ChatRequest): Record<string, unknown> {
  const sampling: Record<string, unknown> = {};
  if (request.temperature !== undefined) {
    if (request.temperature === 0) sampling['do_sample'] = false;
    else {
      sampling['do_sample'] = true;
      sampling['temperature'] = request.temperature;
    }
  }
  if (request.topK !== undefined) sampling['top_k'] = request.topK;
  if (request.topP !== undefined) sampling['top_p'] = request.topP;
  return sampling;
}

/** Whether generation takes the most likely token at each step (no sampling, one beam). */
function isGreedy(
  options: Record<string, unknown>,
  config: Record<string, unknown> | null | undefined,
): boolean {
  const doSample = options['do_sample'] ?? config?.['do_sample'] ?? false;
  const beams = options['num_beams'] ?? config?.['num_beams'] ?? 1;
  return doSample === false && typeof beams === 'number' && beams <= 1;
}

function toIdSet(value: unknown): Set<number> {
  const values = Array.isArray(value) ? value : [value];
  return new Set(values.filter((entry): entry is number => typeof entry === 'number'));
}

function isEos(token: number | undefined, eos: Set<number>): boolean {
  return token !== undefined && eos.has(token);
}
