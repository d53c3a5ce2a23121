/**
 * Reuse of a model's KV cache from one request to the next (prompt caching).
 *
 * Why: a chat app sends the whole conversation on every turn, so the next prompt starts with
 * tokens the model has just processed: the system prompt with its tool definitions, every
 * earlier message, most of its own last answer. On the CPU, prefill of that history is most of a
 * turn's time (chat-cli's turns prefill 880–1,650 tokens to write 7–48). transformers.js
 * continues from a cache passed as `past_key_values` and runs only the tokens after it.
 *
 * Per loaded model, the caches of the last requests (one by default), each keyed by the token ids
 * it holds. A request continues from the entry sharing the longest prefix of ids with its prompt
 * (ids, not text: the chat template may render the model's tool call differently from how the
 * model wrote it), and stores the cache it ends with. A chat's next turn shares everything but
 * the newest message; unrelated requests still share the system prompt and tools, and with more
 * entries a server's conversations in turn each find their own.
 *
 * Exact: attention over a cached prefix is the same arithmetic as over the prompt at once (the
 * shipped model's logits are equal, see prompt-cache.test.ts). Only caches of standard attention
 * layers (`past_key_values.*`) in CPU memory are cut; any other state (a recurrent layer's, a GPU
 * buffer) is reused only when the new prompt extends the whole cached sequence.
 */

import type { TransformersLibrary } from './load-model';

/** A tensor as this module uses it (transformers.js `Tensor`). */
interface CacheTensor {
  type: string;
  dims: number[];
  data: ArrayLike<unknown> & { subarray?: unknown };
  location?: string;
  dispose?(): unknown;
}

type KeyValues = Record<string, CacheTensor>;

/** The parts of transformers.js this module needs. */
export type PromptCacheLibrary = Pick<TransformersLibrary, 'Tensor' | 'DynamicCache'>;

interface Entry {
  /** The token ids whose keys and values the cache holds, in order. */
  ids: BigInt64Array;
  keyValues: KeyValues;
}

/** Per loaded model, its entries: the most recently stored first. */
const stores = new WeakMap<object, Entry[]>();

/** What a request continues from: `past_key_values` for `generate`, covering `tokens` of its prompt. */
export interface CachedPrefix {
  pastKeyValues: unknown;
  tokens: number;
}

/**
 * The cache for a prompt of `ids` from `model`'s entries: the longest shared prefix (at most all
 * ids but the last, which must run to give the next token's logits), or `undefined` when none is
 * usable. An entry the prompt extends whole is handed over and leaves the store (`generate`
 * updates the cache it is given in place, and the request stores the longer one after it); a
 * shorter shared prefix is copied out, and the entry stays for its own conversation.
 */
export function takePromptCache(
  model: object,
  ids: BigInt64Array,
  library: PromptCacheLibrary,
): CachedPrefix | undefined {
  const entries = stores.get(model) ?? [];
  let best: Entry | undefined;
  let shared = 0;
  for (const entry of entries) {
    const length = sharedLength(entry.ids, ids);
    if (length > shared) [best, shared] = [entry, length];
  }
  if (!best) return undefined;
  let keyValues: KeyValues | undefined;
  if (shared === best.ids.length) {
    entries.splice(entries.indexOf(best), 1);
    keyValues = best.keyValues;
  } else {
    keyValues = cutKeyValues(best.keyValues, shared, library);
  }
  if (!keyValues) return undefined;
  return {
    pastKeyValues: library.DynamicCache ? new library.DynamicCache(keyValues) : keyValues,
    tokens: shared,
  };
}

/**
 * Keeps the cache `generate` returned (`return_dict_in_generate`) for `model`'s next requests,
 * first in line, dropping the least recently stored entries past `maxEntries`. A result without
 * one (another library's shape, a batch of several sequences) stores nothing.
 */
export function storePromptCache(model: object, result: unknown, maxEntries: number): void {
  const { sequences, past_key_values: cache } = (result ?? {}) as {
    sequences?: { dims?: number[]; data?: unknown };
    past_key_values?: Record<string, unknown>;
  };
  if (!sequences || !(sequences.data instanceof BigInt64Array) || sequences.dims?.[0] !== 1) return;
  if (!cache || typeof cache !== 'object') return;
  const keyValues: KeyValues = {};
  let length: number | undefined;
  for (const [name, tensor] of Object.entries(cache)) {
    if (!isTensor(tensor)) return;
    keyValues[name] = tensor;
    if (length === undefined && name.startsWith('past_key_values.')) length = tensor.dims.at(-2);
  }
  // The last sampled token never ran through the model: the cache holds one id fewer.
  if (length === undefined || length > sequences.data.length) return;
  const entries = stores.get(model) ?? [];
  stores.set(model, entries);
  entries.unshift({ ids: sequences.data.slice(0, length), keyValues });
  for (const dropped of entries.splice(maxEntries)) release(dropped.keyValues);
}

/** Forgets `model`'s caches (the model unloads, or caching is off for a request). */
export function clearPromptCache(model: object): void {
  const entries = stores.get(model);
  if (!entries) return;
  stores.delete(model);
  for (const entry of entries) release(entry.keyValues);
}

/**
 * Bytes `model`'s cache entries hold (for the model manager's memory budget): 2 × layers × KV
 * heads × head size × 4 bytes per cached token in float32.
 */
export function promptCacheBytes(model: object): number {
  let bytes = 0;
  for (const entry of stores.get(model) ?? []) {
    for (const tensor of Object.values(entry.keyValues)) bytes += tensorBytes(tensor);
  }
  return bytes;
}

const elementBytes: Record<string, number> = { float16: 2, int8: 1, uint8: 1, float64: 8 };

function tensorBytes(tensor: CacheTensor): number {
  const { byteLength } = tensor.data as { byteLength?: unknown };
  if (typeof byteLength === 'number') return byteLength;
  // A GPU buffer has no data here: its size follows from the shape.
  const elements = tensor.dims.reduce((product, size) => product * size, 1);
  return elements * (elementBytes[tensor.type] ?? 4);
}

/** How many ids `cached` and `prompt` share from the start, leaving the prompt's last id to run. */
function sharedLength(cached: BigInt64Array, prompt: BigInt64Array): number {
  const limit = Math.min(cached.length, prompt.length - 1);
  let shared = 0;
  while (shared < limit && cached[shared] === prompt[shared]) shared++;
  return shared;
}

/** The cache cut to its first `length` positions, or `undefined` when some state cannot be cut. */
function cutKeyValues(
  keyValues: KeyValues,
  length: number,
  library: PromptCacheLibrary,
): KeyValues | undefined {
  const { Tensor } = library;
  if (!Tensor) return undefined;
  const cut: KeyValues = {};
  for (const [name, tensor] of Object.entries(keyValues)) {
    if (!name.startsWith('past_key_values.') || (tensor.location ?? 'cpu') !== 'cpu') return;
    const data = tensor.data as unknown as TypedArray;
    if (typeof data.subarray !== 'function') return;
    // [..., sequence, width]: each leading index (batch × head) holds a run of `sequence` rows.
    const dims = tensor.dims;
    const sequence = dims.at(-2)!;
    const width = dims.at(-1)!;
    const runs = dims.slice(0, -2).reduce((product, size) => product * size, 1);
    const out = new (data.constructor as new (size: number) => TypedArray)(runs * length * width);
    for (let run = 0; run < runs; run++) {
      const from = run * sequence * width;
      out.set(data.subarray(from, from + length * width), run * length * width);
    }
    cut[name] = new Tensor(tensor.type, out, [...dims.slice(0, -2), length, width]) as CacheTensor;
  }
  return cut;
}

interface TypedArray {
  length: number;
  subarray(start: number, end: number): TypedArray;
  set(source: TypedArray, offset: number): void;
  constructor: unknown;
}

function isTensor(value: unknown): value is CacheTensor {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as CacheTensor).dims) &&
    (value as CacheTensor).dims.length >= 2
  );
}

/** GPU buffers are freed by hand; CPU tensors are left to the garbage collector. */
function release(keyValues: KeyValues): void {
  for (const tensor of Object.values(keyValues))
    if (tensor.location === 'gpu-buffer') void tensor.dispose?.();
}
