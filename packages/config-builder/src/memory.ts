import { findKnownModel, type ModelArchitecture } from './known-models';
import type { TorchDtype, TrainingConfig, TrainingMethod } from './schema';

/** Options of {@link estimateMemory}. */
export interface MemoryEstimateOptions {
  /** Memory of the GPU to compare against, in GB (2^30 bytes, as nvidia-smi reports). Default 8. */
  gpuMemoryGb?: number;
  /**
   * Whether the run recomputes activations in the backward pass (gradient checkpointing).
   * Overrides `training.gradient_checkpointing` of the config. Default: the config's value, else false.
   */
  gradientCheckpointing?: boolean;
  /** Architecture to use when `model.name` is not in {@link knownModels}. */
  architecture?: ModelArchitecture;
}

/** Peak-memory components, in GB (2^30 bytes). */
export interface MemoryBreakdown {
  /** Base model weights in `model.torch_dtype`, or 4-bit (NF4) with `model.load_in_4bit`. */
  weightsGb: number;
  /** LoRA adapter weights (float32); 0 for full fine-tuning, where the weights are the trainable ones. */
  adapterWeightsGb: number;
  /** Gradients of the trainable parameters. */
  gradientsGb: number;
  /** Optimizer states of the trainable parameters. */
  optimizerStatesGb: number;
  /** Activations kept for the backward pass. */
  activationsGb: number;
  /** Output logits, their float32 copy for the loss, and its gradient. */
  logitsGb: number;
  /** Frozen reference (DPO without LoRA) and reward (RLHF) models. */
  extraModelsGb: number;
  /** CUDA context and library workspaces. */
  overheadGb: number;
}

/** Result of {@link estimateMemory}. */
export interface MemoryEstimate {
  /** The architecture used. */
  architecture: Readonly<ModelArchitecture>;
  /** Parameters of the base model. */
  totalParameters: number;
  /** Parameters that receive gradients (LoRA adapters, or all of them). */
  trainableParameters: number;
  /** Components of the peak. */
  breakdown: MemoryBreakdown;
  /** Estimated peak GPU memory, in GB. */
  totalGb: number;
  /** The GPU size compared against, in GB. */
  gpuMemoryGb: number;
  /** Whether `totalGb` fits in `gpuMemoryGb`. */
  fits: boolean;
  /** Why the estimate exceeds the GPU and what to change; undefined when it fits. */
  warning?: string;
}

const gib = 1024 ** 3;
const bytesPerDtype: Record<TorchDtype, number> = { float16: 2, bfloat16: 2, float32: 4 };
const cudaOverheadBytes = 0.5 * gib;
/**
 * Bits per weight of a bitsandbytes NF4 weight with double quantization: 4 bits plus 0.127 bits
 * of quantization constants (Dettmers et al., "QLoRA", 2023, section 3). bitsandbytes leaves the
 * embedding and output head unquantized, in `torch_dtype`.
 */
const nf4BitsPerWeight = 4.127;

/** Parameters of the (input and output) embedding matrices, which 4-bit loading keeps as they are. */
function embeddingParameters(model: ModelArchitecture): number {
  return model.vocabSize * model.hiddenSize * (model.tieWordEmbeddings ? 1 : 2);
}

/** Parameter count of a decoder-only Llama/Qwen-style transformer (biases and norms are < 0.1 %). */
export function countParameters(model: ModelArchitecture): number {
  const cached = parameterCounts.get(model);
  if (cached !== undefined) return cached;
  const h = model.hiddenSize;
  const q = model.numAttentionHeads * model.headDim;
  const kv = model.numKeyValueHeads * model.headDim;
  const attention = h * q + 2 * h * kv + q * h;
  const mlp = 3 * h * model.intermediateSize;
  const norms = 2 * h;
  const embeddings = model.vocabSize * h * (model.tieWordEmbeddings ? 1 : 2);
  const total = embeddings + model.numLayers * (attention + mlp + norms) + h;
  parameterCounts.set(model, total);
  return total;
}

// Architectures are frozen table entries (or caller objects), so the count can be remembered.
const parameterCounts = new WeakMap<ModelArchitecture, number>();

/** LoRA parameters when adapters sit on all seven projections (q, k, v, o, gate, up, down). */
export function countLoraParameters(model: ModelArchitecture, rank: number): number {
  const h = model.hiddenSize;
  const q = model.numAttentionHeads * model.headDim;
  const kv = model.numKeyValueHeads * model.headDim;
  const i = model.intermediateSize;
  // Each adapter is A (in × r) plus B (r × out).
  const perLayer = h + q + 2 * (h + kv) + (q + h) + 2 * (h + i) + (i + h);
  return rank * perLayer * model.numLayers;
}

/** Bytes of optimizer state per trainable parameter. */
export function optimizerBytesPerParameter(optim: string): number {
  const name = optim.toLowerCase();
  if (name.includes('lion')) return name.includes('8bit') ? 1 : 4; // one momentum buffer
  if (name.includes('8bit')) return 2; // two 8-bit Adam moments
  if (name.includes('adafactor')) return 1; // factored second moment: rows + columns, rough bound
  if (name.includes('sgd')) return 4; // momentum buffer
  return 8; // AdamW and unknown optimizers: two float32 moments
}

/** Inputs of the estimate, resolved from a config with the framework's defaults. */
interface MemorySettings {
  architecture: Readonly<ModelArchitecture>;
  torchDtype: TorchDtype;
  method: TrainingMethod;
  batchSize: number;
  maxLength: number;
  useLora: boolean;
  loraR: number;
  optim: string;
  mixedPrecision: boolean;
  gradientCheckpointing: boolean;
  /** QLoRA: frozen base weights in 4-bit NF4. */
  loadIn4bit: boolean;
  gpuMemoryGb: number;
}

/** @internal The arithmetic of {@link estimateMemory}, shared with the validator. */
export function estimateFromSettings(settings: MemorySettings): MemoryEstimate {
  const model = settings.architecture;
  const totalParameters = countParameters(model);
  const weightBytes = bytesPerDtype[settings.torchDtype];
  const lora = settings.useLora;
  const trainableParameters = lora ? countLoraParameters(model, settings.loraR) : totalParameters;
  // PEFT keeps adapters in float32; full fine-tuning trains the weights in their loaded dtype.
  const trainableBytes = lora ? 4 : weightBytes;
  const activationBytes = settings.mixedPrecision ? 2 : weightBytes;

  // DPO runs the chosen and the rejected completion of each pair through the model.
  const sequences = settings.batchSize * (settings.method === 'dpo' ? 2 : 1);
  const tokens = sequences * settings.maxLength;
  const h = model.hiddenSize;
  const q = model.numAttentionHeads * model.headDim;
  const kv = model.numKeyValueHeads * model.headDim;
  // Elements saved per token per layer: two norm inputs and outputs (4h); q, k, v, their
  // rotary outputs and the attention output (3q + 3kv, with memory-efficient attention so no
  // sequence² scores); gate, up, activation and product of the SwiGLU MLP (4·intermediate).
  const perLayerElements = 4 * h + 3 * q + 3 * kv + 4 * model.intermediateSize;
  const activationElements = settings.gradientCheckpointing
    ? tokens * (model.numLayers * h + perLayerElements) // layer inputs + one layer recomputed
    : tokens * model.numLayers * perLayerElements;
  // Logits in compute precision, their float32 upcast for the loss, and its float32 gradient.
  const logitsBytes = tokens * model.vocabSize * (activationBytes + 8);

  let extraModels = 0;
  if (settings.method === 'dpo' && !lora) extraModels = 1; // frozen reference copy
  // RLHF adds a reward model, and a reference copy unless LoRA can disable adapters instead.
  if (settings.method === 'rlhf') extraModels = lora ? 1 : 2;

  const embeddings = embeddingParameters(model);
  const baseWeightBytes = settings.loadIn4bit
    ? embeddings * weightBytes + ((totalParameters - embeddings) * nf4BitsPerWeight) / 8
    : totalParameters * weightBytes;
  const breakdown: MemoryBreakdown = {
    weightsGb: baseWeightBytes / gib,
    adapterWeightsGb: lora ? (trainableParameters * 4) / gib : 0,
    gradientsGb: (trainableParameters * trainableBytes) / gib,
    optimizerStatesGb: (trainableParameters * optimizerBytesPerParameter(settings.optim)) / gib,
    activationsGb: (activationElements * activationBytes) / gib,
    logitsGb: logitsBytes / gib,
    extraModelsGb: (extraModels * totalParameters * weightBytes) / gib,
    overheadGb: cudaOverheadBytes / gib,
  };
  const totalGb = Object.values(breakdown).reduce((sum, value) => sum + value, 0);
  const fits = totalGb <= settings.gpuMemoryGb;
  const estimate: MemoryEstimate = {
    architecture: model,
    totalParameters,
    trainableParameters,
    breakdown,
    totalGb,
    gpuMemoryGb: settings.gpuMemoryGb,
    fits,
  };
  if (!fits) {
    const largest = (Object.entries(breakdown) as Array<[keyof MemoryBreakdown, number]>).sort(
      (a, b) => b[1] - a[1],
    )[0]!;
    estimate.warning =
      `Estimated peak GPU memory is ${totalGb.toFixed(1)} GB (worst case: every sequence at max_length), ` +
      `more than the ${settings.gpuMemoryGb} GB GPU; the largest part is ${describe[largest[0]]} ` +
      `(${largest[1].toFixed(1)} GB). Lower batch_size and raise gradient_accumulation_steps to keep ` +
      `the effective batch, shorten max_length${lora ? '' : ', use LoRA'}, or enable gradient checkpointing.`;
  }
  return estimate;
}

const describe: Record<keyof MemoryBreakdown, string> = {
  weightsGb: 'model weights',
  adapterWeightsGb: 'LoRA adapters',
  gradientsGb: 'gradients',
  optimizerStatesGb: 'optimizer states',
  activationsGb: 'activations',
  logitsGb: 'logits (batch_size × max_length × vocabulary)',
  extraModelsGb: 'reference/reward models',
  overheadGb: 'CUDA overhead',
};

/** @internal Resolves {@link MemorySettings} from a config, or undefined for unknown models. */
export function memorySettingsOf(
  config: TrainingConfig,
  options: MemoryEstimateOptions = {},
): MemorySettings | undefined {
  const architecture = options.architecture ?? findKnownModel(config.model.name);
  if (architecture === undefined) return undefined;
  const training = config.training;
  return {
    architecture,
    // Transformers loads weights in float32 when no dtype is given.
    torchDtype: config.model.torch_dtype ?? 'float32',
    method: training.method,
    batchSize: training.batch_size,
    maxLength: training.max_length ?? 2048,
    useLora: training.use_lora === true && training.lora_r !== undefined,
    loraR: training.lora_r ?? 0,
    optim: training.optim ?? 'adamw_torch',
    mixedPrecision: training.bf16 === true || training.fp16 === true,
    gradientCheckpointing:
      options.gradientCheckpointing ?? training.gradient_checkpointing === true,
    loadIn4bit: config.model.load_in_4bit === true,
    gpuMemoryGb: options.gpuMemoryGb ?? 8,
  };
}

/**
 * Estimates peak GPU memory of a training run, for models in {@link knownModels} (or the
 * `architecture` option). Returns undefined when the architecture is unknown.
 *
 * Formula (bytes; P = base parameters, T = trainable parameters, N = tokens in flight =
 * batch_size × max_length, doubled for DPO's chosen/rejected pairs; L layers, h hidden size,
 * q = heads × head_dim, kv = kv_heads × head_dim, I intermediate size, V vocabulary; w = bytes
 * per weight of `torch_dtype`, a = 2 with bf16/fp16 mixed precision else w):
 *
 * - weights = P × w; with load_in_4bit (P − E) × 4.127 / 8 + E × w, E = embedding parameters
 * - LoRA adapters (rank r on q, k, v, o, gate, up, down) = T × 4, with T = r × L × (7h + 2q + 2kv + 3I)
 * - gradients = T × 4 with LoRA, T × w for full fine-tuning
 * - optimizer = T × 8 (AdamW), × 2 (8-bit/paged 8-bit), × 4 (SGD momentum, Lion), × 1 (Adafactor)
 * - activations = N × L × (4h + 3q + 3kv + 4I) × a; with gradient checkpointing N × (L × h + one layer) × a
 * - logits = N × V × (a + 8): compute-precision logits, float32 copy for the loss, float32 gradient
 * - reference copy P × w for DPO without LoRA; reward (+ reference without LoRA) model for RLHF
 * - 0.5 GB CUDA context
 *
 * Assumptions: the worst case where every sequence fills max_length (padding to the longest in
 * the batch usually uses less); memory-efficient attention (no sequence² score matrix); no
 * fp32 master weights; LoRA dropout masks and allocator fragmentation are not modelled. With
 * `model.load_in_4bit` (QLoRA) the weights other than the embeddings take 4.127 bits each (NF4
 * with double quantization), the rest of the formula is unchanged. Not checked against measured runs: a rough guide, not a precise figure.
 *
 * @example
 * ```ts
 * const estimate = estimateMemory(getTemplate('dpo_basic').config, { gpuMemoryGb: 12 });
 * if (estimate && !estimate.fits) console.warn(estimate.warning);
 * ```
 */
export function estimateMemory(
  config: TrainingConfig,
  options: MemoryEstimateOptions = {},
): MemoryEstimate | undefined {
  const settings = memorySettingsOf(config, options);
  return settings === undefined ? undefined : estimateFromSettings(settings);
}
