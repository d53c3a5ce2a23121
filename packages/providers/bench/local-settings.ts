/**
 * Settings shared by the local-model benches (the summary's local row, transformers,
 * local-overhead, onnx-threads): the model, the reply length and the round count, each
 * overridable by env; the standard prompt and request; the prompt ids a raw `generate` is given.
 */
import { fileURLToPath } from 'node:url';
import type { TransformersRuntime } from '../src/transformers/load-model';

export const modelsDir =
  process.env['TINYLLM_BENCH_MODELS_DIR'] ??
  fileURLToPath(new URL('../../../models', import.meta.url));
export const modelId = process.env['TINYLLM_BENCH_MODEL'] ?? 'tiny-tool-qwen';
export const newTokens = Number(process.env['TINYLLM_BENCH_TOKENS'] ?? 128);
export const rounds = Math.max(5, Number(process.env['TINYLLM_BENCH_ROUNDS'] ?? 7));
/** The providers bench's standard prompt. */
export const prompt = "what's the weather in Paris?";
/** The standard prompt as a request for exactly `newTokens` tokens (both sides do the same work). */
export const request = {
  messages: [{ role: 'user' as const, content: prompt }],
  maxOutputTokens: newTokens,
  temperature: 0,
  providerOptions: { transformers: { min_new_tokens: newTokens } },
};
/**
 * Options of the adapter's model in these benches. They repeat one prompt and set the adapter
 * against a raw `generate` that runs the whole prompt; prompt caching would skip all of it but
 * the last token on the adapter's side, so it is off here. conversation.bench.ts measures it.
 */
export const modelOptions = { promptCache: false } as const;
/** Generations per side and round. */
export const perRound = 10;

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** The prompt's ids as a raw `generate` takes them: the chat template, then the tokenizer. */
export function promptInputs(runtime: TransformersRuntime, prompt: string) {
  const text = runtime.tokenizer.apply_chat_template([{ role: 'user', content: prompt }], {
    add_generation_prompt: true,
    tokenize: false,
  }) as string;
  return runtime.tokenizer(text, { add_special_tokens: false });
}
