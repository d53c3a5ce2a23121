/**
 * Loading a model with transformers.js: lazy import of the optional SDK, local-or-Hub
 * resolution, memory estimation and progress mapping.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { TinyLLMError } from '@tinyllm/core';
import type { LoadedModel, ModelLoadProgress, ModelLoader } from './model-manager';
import { clearPromptCache, promptCacheBytes } from './prompt-cache';
import type { TensorClass } from './prompt-encoder';

/** Data types transformers.js can load (weights precision; picks the ONNX file variant). */
export type TransformersDtype =
  | 'auto'
  | 'fp32'
  | 'fp16'
  | 'q8'
  | 'int8'
  | 'uint8'
  | 'q4'
  | 'bnb4'
  | 'q4f16';

/** Devices transformers.js can run on. In Node, `cpu` (default) or `cuda`/`dml` where built. */
export type TransformersDevice = 'auto' | 'cpu' | 'gpu' | 'cuda' | 'dml' | 'webgpu' | 'wasm';

/**
 * ONNX Runtime session options of a model (transformers.js `session_options`, ONNX Runtime's
 * `InferenceSession.SessionOptions`).
 */
export interface TransformersSessionOptions {
  /**
   * Threads one forward pass may use; `0` is ONNX Runtime's choice (one per physical core, whose
   * idle threads spin between tokens). Default: `1` for a local model on the CPU whose ONNX
   * weights are at most {@link oneThreadWeightsBytes}, ONNX Runtime's choice otherwise. For a
   * model that small a forward is too short to share: one thread gives the same tokens/s on an
   * idle machine at 0.6× the CPU, and 1.2× the tokens/s when the app keeps a core busy (see the
   * README). Larger models gain from more threads when the machine is idle.
   */
  intraOpNumThreads?: number;
  /** Threads that run independent parts of the graph side by side. Default: ONNX Runtime's. */
  interOpNumThreads?: number;
  /** Any other ONNX Runtime session option, passed on as is. */
  [option: string]: unknown;
}

// Structural views of the few transformers.js objects the adapter touches. They keep the SDK's
// types out of our public declarations, so apps that never install it still typecheck.

/** The tokenizer as the adapter uses it. */
export interface RuntimeTokenizer {
  apply_chat_template(messages: unknown[], options: Record<string, unknown>): unknown;
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
  (
    text: string,
    options?: Record<string, unknown>,
  ): { input_ids: { dims: number[] }; attention_mask: unknown };
}

/** The causal LM as the adapter uses it. */
export interface RuntimeModel {
  generate(options: Record<string, unknown>): Promise<unknown>;
  dispose(): Promise<unknown>;
  config: Record<string, unknown>;
  generation_config?: Record<string, unknown> | null;
  sessions: Record<string, { release?: () => Promise<void> | void }>;
}

/** The part of `@huggingface/transformers` the adapter uses. */
export interface TransformersLibrary {
  AutoTokenizer: {
    from_pretrained(id: string, options?: Record<string, unknown>): Promise<unknown>;
  };
  AutoModelForCausalLM: {
    from_pretrained(id: string, options?: Record<string, unknown>): Promise<unknown>;
  };
  InterruptableStoppingCriteria: new () => { interrupt(): void; reset(): void };
  /** Tensors for prompts encoded outside the tokenizer's call (prompt-encoder.ts). */
  Tensor?: TensorClass;
  /** transformers.js 4's KV cache class, for prompt caching (version 3 takes a plain record). */
  DynamicCache?: new (
    entries: Record<string, unknown>,
  ) => unknown;
  random?: { seed(value?: number): void };
}

/** A loaded model: tokenizer, ONNX model and where it came from. */
export interface TransformersRuntime {
  tokenizer: RuntimeTokenizer;
  model: RuntimeModel;
  library: TransformersLibrary;
  /** The local folder or Hub id the model was loaded from. */
  source: string;
}

const packageName = '@huggingface/transformers';

/** Imports transformers.js on first use, with a typed error naming the package when missing. */
export async function importTransformers(
  importLibrary: (() => Promise<unknown>) | undefined,
): Promise<TransformersLibrary> {
  try {
    const library = importLibrary
      ? await importLibrary()
      : await import('@huggingface/transformers');
    return library as unknown as TransformersLibrary;
  } catch (cause) {
    const code = (cause as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new TinyLLMError({
        code: 'MISSING_DEPENDENCY',
        message: `The transformers provider needs "${packageName}": install it with \`npm install ${packageName}\`.`,
        retryable: false,
        provider: 'transformers',
        details: { package: packageName },
        cause,
      });
    }
    throw cause;
  }
}

/** Where a model's files are. */
export type ModelLocation = { kind: 'local'; directory: string } | { kind: 'hub'; id: string };

/**
 * Resolves a model id: a folder (absolute, relative to `modelsDir`, or `./relative`) wins; a Hub
 * id is used only when remote loading is allowed, so tests and offline apps never download.
 */
export function resolveModelLocation(
  modelId: string,
  options: { modelsDir: string | undefined; allowRemoteModels: boolean },
): ModelLocation {
  const candidates: string[] = [];
  if (path.isAbsolute(modelId) || modelId.startsWith('.')) candidates.push(path.resolve(modelId));
  else if (options.modelsDir !== undefined)
    candidates.push(path.resolve(options.modelsDir, modelId));
  for (const directory of candidates) {
    if (existsSync(path.join(directory, 'config.json'))) return { kind: 'local', directory };
  }
  if (options.allowRemoteModels && !path.isAbsolute(modelId) && !modelId.startsWith('.')) {
    return { kind: 'hub', id: modelId };
  }
  throw new TinyLLMError({
    code: 'MODEL_NOT_FOUND',
    message:
      candidates.length > 0
        ? `No model folder (with config.json) at "${candidates[0]}", and remote models are ${options.allowRemoteModels ? 'not applicable to a path' : 'disabled (allowRemoteModels: false)'}.`
        : `Model "${modelId}" is not a local folder (no modelsDir set) and remote models are disabled (allowRemoteModels: false).`,
    retryable: false,
    provider: 'transformers',
    modelId,
  });
}

// ONNX file name suffix of each dtype, as transformers.js names its variants.
const dtypeSuffix: Record<string, string> = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  bnb4: '_bnb4',
  q4f16: '_q4f16',
};

/** The dtypes whose ONNX file (`onnx/model<suffix>.onnx`) is in a local model folder. */
export function availableDtypes(directory: string): TransformersDtype[] {
  const onnxDirectory = path.join(directory, 'onnx');
  if (!existsSync(onnxDirectory)) return [];
  const files = new Set(readdirSync(onnxDirectory));
  return (Object.keys(dtypeSuffix) as TransformersDtype[]).filter((dtype) =>
    files.has(`model${dtypeSuffix[dtype]}.onnx`),
  );
}

/**
 * The dtype to load a local model with: the one asked for, checked against the files (a typed
 * error naming the `dtype` option and the dtypes present when its file is missing), or, when
 * none is asked for, the one the model's config names if its file is there, else the first
 * present of fp32, q8, fp16, int8, uint8, q4, bnb4, q4f16.
 */
export function resolveLocalDtype(
  directory: string,
  dtype: TransformersDtype | undefined,
  modelId: string,
): TransformersDtype | undefined {
  const available = availableDtypes(directory);
  // No onnx folder to read (or an unusual layout): leave the choice to transformers.js.
  if (available.length === 0) return dtype === 'auto' ? undefined : dtype;
  if (dtype !== undefined && dtype !== 'auto') {
    if (available.includes(dtype)) return dtype;
    throw new TinyLLMError({
      code: 'MODEL_LOAD_FAILED',
      message: `Model "${modelId}" has no onnx/model${dtypeSuffix[dtype]}.onnx for dtype "${dtype}"; its folder has ${available.map((entry) => `"${entry}"`).join(', ')}. Set the \`dtype\` option to one of those, or leave it unset to pick from the files.`,
      retryable: false,
      provider: 'transformers',
      modelId,
      path: 'dtype',
      details: { dtype, availableDtypes: available },
    });
  }
  const configured = configuredDtype(directory);
  if (configured !== undefined && available.includes(configured)) return configured;
  return available[0];
}

function configuredDtype(directory: string): TransformersDtype | undefined {
  try {
    const config = JSON.parse(readFileSync(path.join(directory, 'config.json'), 'utf8')) as {
      'transformers.js_config'?: { dtype?: unknown };
    };
    const dtype = config['transformers.js_config']?.dtype;
    return typeof dtype === 'string' && dtype in dtypeSuffix
      ? (dtype as TransformersDtype)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Estimates a local model's resident memory from its files: the ONNX graph of the chosen dtype
 * (with its external data files) plus the tokenizer.
 *
 * We use file sizes rather than an RSS delta because (1) they are known before loading, so the
 * manager can evict or refuse with MEMORY_EXCEEDED before allocating anything, (2) they are
 * deterministic, whereas RSS moves with GC, concurrent requests and ONNX Runtime's lazily grown
 * arenas, and (3) weights dominate a loaded model: ONNX Runtime keeps them in memory roughly at
 * their file size. What it misses is the KV cache and activations of a running request, which
 * grow with context; budget headroom for them.
 */
export function estimateLocalModelBytes(directory: string, dtype: string | undefined): number {
  const tokenizerFile = path.join(directory, 'tokenizer.json');
  const tokenizerBytes = existsSync(tokenizerFile) ? statSync(tokenizerFile).size : 0;
  return tokenizerBytes + localWeightsBytes(directory, dtype);
}

/**
 * The size of a local model's ONNX graph for `dtype` (with its external data files); without a
 * dtype, the largest candidate's.
 */
export function localWeightsBytes(directory: string, dtype: string | undefined): number {
  const onnxDirectory = path.join(directory, 'onnx');
  if (!existsSync(onnxDirectory)) return 0;
  const files = readdirSync(onnxDirectory);
  const suffix = dtype === undefined || dtype === 'auto' ? undefined : dtypeSuffix[dtype];
  // Without an explicit dtype transformers.js takes fp32 on CPU (or the config's choice); fall
  // back to the largest candidate so the estimate errs on the safe side.
  const wanted =
    suffix !== undefined
      ? [`model${suffix}.onnx`]
      : Object.values(dtypeSuffix).map((entry) => `model${entry}.onnx`);
  let best = 0;
  for (const base of wanted) {
    let bytes = 0;
    for (const file of files) {
      if (file === base || file.startsWith(`${base}_data`))
        bytes += statSync(path.join(onnxDirectory, file)).size;
    }
    best = Math.max(best, bytes);
    if (suffix !== undefined) break;
  }
  return best;
}

/**
 * The largest ONNX weights, in bytes, that load on one intra-op thread by default (8 MiB).
 * Measured with `bench/onnx-threads.bench.ts` on a 2-core machine (7 paired rounds of 10
 * `chat()` calls of 128 tokens), one thread against ONNX Runtime's default:
 *
 * | weights | idle: tokens/s | idle: CPU | one core busy: tokens/s |
 * |---|---|---|---|
 * | 4.3 MB (tiny-tool-qwen) | 1.004× | 0.61× | 1.20× |
 * | 15 MB (hidden 256) | 0.90× | 0.67× | 1.18× |
 * | 53 MB (hidden 512) | 0.79× | 0.73× | 1.17× |
 *
 * Up to this size one thread costs nothing on an idle machine; above it, an idle machine runs
 * the model faster on ONNX Runtime's default, so that stays.
 */
export const oneThreadWeightsBytes = 8 * 1024 * 1024;

/**
 * The session options a model loads with: `options`, with one intra-op thread for a small local
 * model on the CPU when they set no thread count.
 */
export function sessionOptionsFor(
  options: TransformersSessionOptions | undefined,
  model: { weightsBytes: number | undefined; device: TransformersDevice | undefined },
): TransformersSessionOptions | undefined {
  // 'auto' may pick a GPU, where CPU threads are not the question.
  const onCpu = model.device === undefined || model.device === 'cpu';
  if (
    options?.intraOpNumThreads !== undefined ||
    !onCpu ||
    model.weightsBytes === undefined ||
    model.weightsBytes === 0 ||
    model.weightsBytes > oneThreadWeightsBytes
  )
    return options;
  return { ...options, intraOpNumThreads: 1 };
}

/** Maps transformers.js progress info to {@link ModelLoadProgress} (ignores `ready`). */
export function toLoadProgress(info: Record<string, unknown>): ModelLoadProgress | undefined {
  const file = typeof info['file'] === 'string' ? info['file'] : '';
  const number = (key: string): number => (typeof info[key] === 'number' ? info[key] : 0);
  switch (info['status']) {
    case 'initiate':
    case 'download':
    case 'done':
      return { status: info['status'], file };
    case 'progress':
      return {
        status: 'progress',
        file,
        loadedBytes: number('loaded'),
        totalBytes: number('total'),
        progress: number('progress'),
      };
    case 'progress_total':
      return {
        status: 'progress-total',
        loadedBytes: number('loaded'),
        totalBytes: number('total'),
        progress: number('progress'),
      };
    default:
      return undefined;
  }
}

/** Options of {@link createTransformersLoader}. */
export interface TransformersLoaderOptions {
  modelId: string;
  modelsDir: string | undefined;
  allowRemoteModels: boolean;
  cacheDir: string | undefined;
  dtype: TransformersDtype | undefined;
  device: TransformersDevice | undefined;
  sessionOptions?: TransformersSessionOptions | undefined;
  importLibrary: (() => Promise<unknown>) | undefined;
}

/** The manager's loader for one transformers.js model. */
export function createTransformersLoader(
  options: TransformersLoaderOptions,
): ModelLoader<TransformersRuntime> {
  let location: ModelLocation | undefined;
  const locate = (): ModelLocation => {
    location ??= resolveModelLocation(options.modelId, options);
    return location;
  };
  const dtypeOf = (where: ModelLocation): TransformersDtype | undefined =>
    where.kind === 'local'
      ? resolveLocalDtype(where.directory, options.dtype, options.modelId)
      : options.dtype;
  return {
    estimateMemoryBytes() {
      const where = locate();
      // A Hub model's size is unknown before download; it is measured after loading instead.
      return where.kind === 'local' ? estimateLocalModelBytes(where.directory, dtypeOf(where)) : 0;
    },
    async load({ onProgress }): Promise<LoadedModel<TransformersRuntime>> {
      const where = locate();
      const dtype = dtypeOf(where);
      const library = await importTransformers(options.importLibrary);
      const source = where.kind === 'local' ? where.directory : where.id;
      const common: Record<string, unknown> = {
        // A local folder never touches the network, whatever the global env says.
        local_files_only: where.kind === 'local',
        progress_callback: (info: Record<string, unknown>) => {
          const progress = toLoadProgress(info);
          if (progress) onProgress(progress);
        },
        ...(options.cacheDir === undefined ? {} : { cache_dir: options.cacheDir }),
      };
      const sessionOptions = sessionOptionsFor(options.sessionOptions, {
        weightsBytes:
          where.kind === 'local' ? localWeightsBytes(where.directory, dtype) : undefined,
        device: options.device,
      });
      const rssBefore = process.memoryUsage().rss;
      try {
        const [tokenizer, model] = await Promise.all([
          library.AutoTokenizer.from_pretrained(source, common),
          library.AutoModelForCausalLM.from_pretrained(source, {
            ...common,
            ...(dtype === undefined ? {} : { dtype }),
            ...(options.device === undefined ? {} : { device: options.device }),
            ...(sessionOptions === undefined ? {} : { session_options: sessionOptions }),
          }),
        ]);
        const runtime: TransformersRuntime = {
          tokenizer: tokenizer as RuntimeTokenizer,
          model: model as RuntimeModel,
          library,
          source,
        };
        const memoryBytes =
          where.kind === 'local'
            ? estimateLocalModelBytes(where.directory, dtype)
            : Math.max(0, process.memoryUsage().rss - rssBefore);
        return {
          value: runtime,
          memoryBytes,
          dispose: async () => {
            clearPromptCache(runtime.model);
            await runtime.model.dispose();
          },
          // The prompt cache counts in the manager's memory budget and goes before any model.
          cache: {
            bytes: () => promptCacheBytes(runtime.model),
            clear: () => clearPromptCache(runtime.model),
          },
        };
      } catch (cause) {
        if (TinyLLMError.isInstance(cause)) throw cause;
        const reason = cause instanceof Error ? cause.message : String(cause);
        // A local folder exists (it was resolved): a failure is a corrupt or incompatible file.
        // From the Hub, a missing file is a model that is not there.
        const missing =
          where.kind === 'hub' && /not found|could not locate|404|unauthorized/i.test(reason);
        throw new TinyLLMError({
          code: missing ? 'MODEL_NOT_FOUND' : 'MODEL_LOAD_FAILED',
          message: `Could not load model "${options.modelId}" from ${source}${dtype === undefined ? '' : ` (dtype "${dtype}")`}: ${reason}`,
          retryable: false,
          provider: 'transformers',
          modelId: options.modelId,
          cause,
        });
      }
    },
  };
}

/**
 * Checks the thread counts of `options` (the rest is ONNX Runtime's to check at load):
 * `INVALID_CONFIG` naming the field, before anything loads.
 */
export function checkSessionOptions(
  options: TransformersSessionOptions | undefined,
  modelId: string,
): void {
  if (options === undefined) return;
  for (const name of ['intraOpNumThreads', 'interOpNumThreads'] as const) {
    const value = options[name];
    if (value === undefined || (Number.isInteger(value) && value >= 0)) continue;
    throw new TinyLLMError({
      code: 'INVALID_CONFIG',
      message: `sessionOptions.${name} must be a whole number of threads (0: ONNX Runtime's default), got ${String(value)}.`,
      retryable: false,
      provider: 'transformers',
      modelId,
      path: `sessionOptions.${name}`,
    });
  }
}
