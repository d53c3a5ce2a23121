/**
 * Settings shared by the local-model benches that compare paired rounds (local-overhead,
 * onnx-threads): the model, the reply length and the round count, each overridable by env.
 */
import { fileURLToPath } from 'node:url';

export const modelsDir =
  process.env['TINYLLM_BENCH_MODELS_DIR'] ??
  fileURLToPath(new URL('../../../models', import.meta.url));
export const modelId = process.env['TINYLLM_BENCH_MODEL'] ?? 'tiny-tool-qwen';
export const newTokens = Number(process.env['TINYLLM_BENCH_TOKENS'] ?? 128);
export const rounds = Math.max(5, Number(process.env['TINYLLM_BENCH_ROUNDS'] ?? 7));
/** Generations per side and round. */
export const perRound = 10;

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
