/**
 * The architecture numbers the memory estimate and the context-length check need, copied from
 * each model's `config.json` on the Hugging Face Hub.
 */
export interface ModelArchitecture {
  /** Hub id, e.g. `Qwen/Qwen3-0.6B`. */
  id: string;
  /** `hidden_size`. */
  hiddenSize: number;
  /** `num_hidden_layers`. */
  numLayers: number;
  /** `num_attention_heads`. */
  numAttentionHeads: number;
  /** `num_key_value_heads` (fewer than attention heads with grouped-query attention). */
  numKeyValueHeads: number;
  /** `head_dim` (Qwen3 uses 128 even where hidden_size / heads is 64). */
  headDim: number;
  /** `intermediate_size` of the gated (SwiGLU) MLP. */
  intermediateSize: number;
  /** `vocab_size`. */
  vocabSize: number;
  /** `tie_word_embeddings`: the output layer reuses the input embedding matrix. */
  tieWordEmbeddings: boolean;
  /** `max_position_embeddings`: the longest context the model supports. */
  maxPositionEmbeddings: number;
}

/**
 * Architectures of small models commonly fine-tuned for tool use. Look one up by name with
 * {@link findKnownModel}; pass your own {@link ModelArchitecture} to {@link estimateMemory}
 * for anything else.
 */
export const knownModels: Readonly<Record<string, Readonly<ModelArchitecture>>> = Object.freeze({
  'Qwen/Qwen3-0.6B': {
    id: 'Qwen/Qwen3-0.6B',
    hiddenSize: 1024,
    numLayers: 28,
    numAttentionHeads: 16,
    numKeyValueHeads: 8,
    headDim: 128,
    intermediateSize: 3072,
    vocabSize: 151936,
    tieWordEmbeddings: true,
    maxPositionEmbeddings: 40960,
  },
  'Qwen/Qwen3-1.7B': {
    id: 'Qwen/Qwen3-1.7B',
    hiddenSize: 2048,
    numLayers: 28,
    numAttentionHeads: 16,
    numKeyValueHeads: 8,
    headDim: 128,
    intermediateSize: 6144,
    vocabSize: 151936,
    tieWordEmbeddings: true,
    maxPositionEmbeddings: 40960,
  },
  'Qwen/Qwen2.5-0.5B-Instruct': {
    id: 'Qwen/Qwen2.5-0.5B-Instruct',
    hiddenSize: 896,
    numLayers: 24,
    numAttentionHeads: 14,
    numKeyValueHeads: 2,
    headDim: 64,
    intermediateSize: 4864,
    vocabSize: 151936,
    tieWordEmbeddings: true,
    maxPositionEmbeddings: 32768,
  },
  'Qwen/Qwen2.5-1.5B-Instruct': {
    id: 'Qwen/Qwen2.5-1.5B-Instruct',
    hiddenSize: 1536,
    numLayers: 28,
    numAttentionHeads: 12,
    numKeyValueHeads: 2,
    headDim: 128,
    intermediateSize: 8960,
    vocabSize: 151936,
    tieWordEmbeddings: true,
    maxPositionEmbeddings: 32768,
  },
  'meta-llama/Llama-3.2-1B-Instruct': {
    id: 'meta-llama/Llama-3.2-1B-Instruct',
    hiddenSize: 2048,
    numLayers: 16,
    numAttentionHeads: 32,
    numKeyValueHeads: 8,
    headDim: 64,
    intermediateSize: 8192,
    vocabSize: 128256,
    tieWordEmbeddings: true,
    maxPositionEmbeddings: 131072,
  },
  'HuggingFaceTB/SmolLM2-360M-Instruct': {
    id: 'HuggingFaceTB/SmolLM2-360M-Instruct',
    hiddenSize: 960,
    numLayers: 32,
    numAttentionHeads: 15,
    numKeyValueHeads: 5,
    headDim: 64,
    intermediateSize: 2560,
    vocabSize: 49152,
    tieWordEmbeddings: true,
    maxPositionEmbeddings: 8192,
  },
});

// Base and instruct variants share an architecture, and people point model.name at local
// checkouts (`./models/qwen3-0.6b`), so match on the last path segment without the suffix.
function modelKey(name: string): string {
  const last = name.trim().replace(/\/+$/, '').split(/[\\/]/).pop() ?? '';
  return last.toLowerCase().replace(/-(instruct|base|chat)$/, '');
}

const byKey = new Map<string, Readonly<ModelArchitecture>>(
  Object.values(knownModels).map((model) => [modelKey(model.id), model]),
);

/**
 * Finds the architecture of a known model by `model.name`: a Hub id, a local path ending in
 * the model's name, or a base/instruct variant (`Qwen/Qwen3-0.6B-Base` matches Qwen3-0.6B).
 * Returns undefined for unknown models.
 */
export function findKnownModel(name: string): Readonly<ModelArchitecture> | undefined {
  // Validation runs on every keystroke of a form; remember names instead of re-deriving the key.
  const cached = lookups.get(name);
  if (cached !== undefined || lookups.has(name)) return cached;
  const model = byKey.get(modelKey(name));
  if (lookups.size >= 256) lookups.clear();
  lookups.set(name, model);
  return model;
}

const lookups = new Map<string, Readonly<ModelArchitecture> | undefined>();
