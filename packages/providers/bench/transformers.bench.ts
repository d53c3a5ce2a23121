/**
 * Benchmark of the local transformers.js adapter against calling transformers.js directly.
 *
 * 1. Throughput: the adapter's `chat()` versus a direct `model.generate()` (no streamer) on the
 *    same loaded ONNX session, same prompt, greedy, same number of new tokens (min = max, so both
 *    generate exactly as many). Runs alternate and the median of each is compared. Target ≥ 0.95×.
 * 2. Reuse: the first request on a fresh provider (includes the load) versus the second one,
 *    and the load count (must stay 1).
 *
 * Run: `pnpm --filter @tinyllm/providers bench` or `tsx bench/transformers.bench.ts`.
 * Model: `models/tiny-tool-qwen` (override with TINYLLM_BENCH_MODELS_DIR / TINYLLM_BENCH_MODEL).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTransformers } from '../src/transformers/index';

const modelsDir =
  process.env['TINYLLM_BENCH_MODELS_DIR'] ??
  fileURLToPath(new URL('../../../models', import.meta.url));
const modelId = process.env['TINYLLM_BENCH_MODEL'] ?? 'tiny-tool-qwen';
const newTokens = Number(process.env['TINYLLM_BENCH_TOKENS'] ?? 128);
const rounds = Number(process.env['TINYLLM_BENCH_ROUNDS'] ?? 8);
const prompt = "what's the weather in Paris?";

/** Figures of one benchmark run. */
export interface TransformersBenchResult {
  modelId: string;
  newTokens: number;
  rounds: number;
  directTokensPerSecond: number;
  adapterTokensPerSecond: number;
  ratio: number;
  firstRequestMs: number;
  secondRequestMs: number;
  loadCount: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export default async function transformersBench(): Promise<TransformersBenchResult> {
  // --- Reuse: first request (load included) vs second on a fresh provider.
  const transformers = createTransformers({ modelsDir });
  const model = transformers(modelId);
  const request = {
    messages: [{ role: 'user' as const, content: prompt }],
    maxOutputTokens: newTokens,
    temperature: 0,
    // Forces exactly `newTokens` tokens, so both sides do the same work.
    providerOptions: { transformers: { min_new_tokens: newTokens } },
  };
  let startedAt = performance.now();
  await model.chat(request);
  const firstRequestMs = performance.now() - startedAt;
  startedAt = performance.now();
  await model.chat(request);
  const secondRequestMs = performance.now() - startedAt;
  const loadCount = transformers.manager.loadCount(modelId);

  // --- Throughput on the same loaded session.
  const { runtime, release } = await model.acquireRuntime();
  const text = runtime.tokenizer.apply_chat_template([{ role: 'user', content: prompt }], {
    add_generation_prompt: true,
    tokenize: false,
  }) as string;
  const inputs = runtime.tokenizer(text, { add_special_tokens: false });
  release();
  const direct = async (): Promise<number> => {
    const { runtime: leased, release: done } = await model.acquireRuntime();
    try {
      const begin = performance.now();
      await leased.model.generate({
        ...inputs,
        do_sample: false,
        max_new_tokens: newTokens,
        min_new_tokens: newTokens,
      });
      return (newTokens * 1000) / (performance.now() - begin);
    } finally {
      done();
    }
  };
  const adapter = async (): Promise<number> => {
    const begin = performance.now();
    const response = await model.chat(request);
    if (response.usage.outputTokens !== newTokens)
      throw new Error(`adapter generated ${response.usage.outputTokens} tokens, not ${newTokens}`);
    return (response.usage.outputTokens * 1000) / (performance.now() - begin);
  };
  await direct();
  await adapter();
  const directRates: number[] = [];
  const adapterRates: number[] = [];
  for (let round = 0; round < rounds; round++) {
    // Alternating order cancels drift (thermal, other processes on shared cores).
    if (round % 2 === 0) {
      directRates.push(await direct());
      adapterRates.push(await adapter());
    } else {
      adapterRates.push(await adapter());
      directRates.push(await direct());
    }
  }
  await transformers.dispose();

  const result: TransformersBenchResult = {
    modelId,
    newTokens,
    rounds,
    directTokensPerSecond: median(directRates),
    adapterTokensPerSecond: median(adapterRates),
    ratio: median(adapterRates) / median(directRates),
    firstRequestMs,
    secondRequestMs,
    loadCount,
  };
  console.log(
    `transformers adapter benchmark (${modelId}, ${newTokens} new tokens, greedy, ${rounds} rounds, median)`,
  );
  console.log(`  direct model.generate : ${result.directTokensPerSecond.toFixed(1)} tokens/s`);
  console.log(`  adapter chat()        : ${result.adapterTokensPerSecond.toFixed(1)} tokens/s`);
  console.log(`  ratio adapter/direct  : ${result.ratio.toFixed(3)}x (target >= 0.95x)`);
  console.log(`  first request (load)  : ${firstRequestMs.toFixed(1)} ms`);
  console.log(`  second request        : ${secondRequestMs.toFixed(1)} ms`);
  console.log(`  loads after 2 requests: ${loadCount} (expected 1)`);
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await transformersBench();
}
