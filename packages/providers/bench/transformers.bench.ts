/**
 * Benchmark of the local transformers.js adapter against calling transformers.js directly.
 *
 * 1. Throughput: the adapter's `chat()` versus a direct `model.generate()` (no streamer) on the
 *    same loaded ONNX session, same prompt, greedy, same number of new tokens (min = max, so both
 *    generate exactly as many). Runs alternate and the median of each is compared. Target ≥ 0.95×.
 *    A second baseline does what an app streaming a chat reply with transformers.js itself does:
 *    render the chat template, tokenize, and generate with the library's `TextStreamer` (which
 *    decodes every token). That is the same work the adapter does, so it is the like-for-like
 *    comparison; both ratios are printed.
 * 2. Reuse: the first request on a fresh provider (includes the load) versus the second one,
 *    and the load count (must stay 1).
 *
 * Run: `pnpm --filter @tinyllm/providers bench` or `tsx bench/transformers.bench.ts`.
 * Model: `models/tiny-tool-qwen` (override with TINYLLM_BENCH_MODELS_DIR / TINYLLM_BENCH_MODEL).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTransformers } from '../src/transformers/index';
import {
  modelId,
  modelOptions,
  modelsDir,
  newTokens,
  prompt,
  promptInputs,
  request,
} from './local-settings';

const rounds = Number(process.env['TINYLLM_BENCH_ROUNDS'] ?? 32);

/** Figures of one benchmark run. */
export interface TransformersBenchResult {
  modelId: string;
  newTokens: number;
  rounds: number;
  directTokensPerSecond: number;
  adapterTokensPerSecond: number;
  /** Median wall-clock tokens/s, adapter over direct. */
  ratio: number;
  /** Best-run wall-clock tokens/s, adapter over direct (least disturbed by other processes). */
  bestRatio: number;
  /** CPU time per token, direct over adapter (1 = no CPU overhead). */
  cpuRatio: number;
  /** Median tokens/s of the like-for-like baseline (template + tokenize + TextStreamer). */
  streamedTokensPerSecond: number;
  /** Median wall-clock tokens/s, adapter over the streamed baseline. */
  streamedRatio: number;
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
  const model = transformers(modelId, modelOptions);
  let startedAt = performance.now();
  await model.chat(request);
  const firstRequestMs = performance.now() - startedAt;
  startedAt = performance.now();
  await model.chat(request);
  const secondRequestMs = performance.now() - startedAt;
  const loadCount = transformers.manager.loadCount(modelId);

  // --- Throughput on the same loaded session.
  const { runtime, release } = await model.acquireRuntime();
  const inputs = promptInputs(runtime, prompt);
  release();
  // Each run reports wall-clock tokens/s and CPU time per token. On a shared machine wall time
  // is noisy (other processes take the cores); CPU time of this process is much less so.
  interface Run {
    tokensPerSecond: number;
    cpuMsPerToken: number;
  }
  const measure = async (generate: () => Promise<number>): Promise<Run> => {
    const cpuBefore = process.cpuUsage();
    const begin = performance.now();
    const tokens = await generate();
    const wallMs = performance.now() - begin;
    const cpu = process.cpuUsage(cpuBefore);
    return {
      tokensPerSecond: (tokens * 1000) / wallMs,
      cpuMsPerToken: (cpu.user + cpu.system) / 1000 / tokens,
    };
  };
  const direct = async (): Promise<Run> => {
    const { runtime: leased, release: done } = await model.acquireRuntime();
    try {
      return await measure(async () => {
        await leased.model.generate({
          ...inputs,
          do_sample: false,
          max_new_tokens: newTokens,
          min_new_tokens: newTokens,
        });
        return newTokens;
      });
    } finally {
      done();
    }
  };
  const library = await import('@huggingface/transformers');
  const directStreamed = async (): Promise<Run> => {
    const { runtime: leased, release: done } = await model.acquireRuntime();
    try {
      return await measure(async () => {
        const rendered = leased.tokenizer.apply_chat_template([{ role: 'user', content: prompt }], {
          add_generation_prompt: true,
          tokenize: false,
        }) as string;
        const encoded = leased.tokenizer(rendered, { add_special_tokens: false });
        let streamed = '';
        const streamer = new library.TextStreamer(leased.tokenizer as never, {
          skip_prompt: true,
          skip_special_tokens: true,
          callback_function: (piece: string) => {
            streamed += piece;
          },
        });
        await leased.model.generate({
          ...encoded,
          do_sample: false,
          max_new_tokens: newTokens,
          min_new_tokens: newTokens,
          streamer,
        });
        if (streamed.length === 0) throw new Error('the streamed baseline produced no text');
        return newTokens;
      });
    } finally {
      done();
    }
  };
  const adapter = (): Promise<Run> =>
    measure(async () => {
      const response = await model.chat(request);
      if (response.usage.outputTokens !== newTokens)
        throw new Error(
          `adapter generated ${response.usage.outputTokens} tokens, not ${newTokens}`,
        );
      return response.usage.outputTokens;
    });
  await direct();
  await directStreamed();
  await adapter();
  const directRuns: Run[] = [];
  const streamedRuns: Run[] = [];
  const adapterRuns: Run[] = [];
  for (let round = 0; round < rounds; round++) {
    // Rotating order cancels drift (thermal, other processes on shared cores).
    const order = [
      async () => directRuns.push(await direct()),
      async () => streamedRuns.push(await directStreamed()),
      async () => adapterRuns.push(await adapter()),
    ];
    for (let index = 0; index < order.length; index++)
      await order[(index + round) % order.length]!();
  }
  await transformers.dispose();

  const summary = (runs: Run[]) => ({
    medianTokensPerSecond: median(runs.map((run) => run.tokensPerSecond)),
    bestTokensPerSecond: Math.max(...runs.map((run) => run.tokensPerSecond)),
    medianCpuMsPerToken: median(runs.map((run) => run.cpuMsPerToken)),
  });
  const directSummary = summary(directRuns);
  const adapterSummary = summary(adapterRuns);
  const streamedSummary = summary(streamedRuns);
  const result: TransformersBenchResult = {
    modelId,
    newTokens,
    rounds,
    directTokensPerSecond: directSummary.medianTokensPerSecond,
    adapterTokensPerSecond: adapterSummary.medianTokensPerSecond,
    ratio: adapterSummary.medianTokensPerSecond / directSummary.medianTokensPerSecond,
    bestRatio: adapterSummary.bestTokensPerSecond / directSummary.bestTokensPerSecond,
    cpuRatio: directSummary.medianCpuMsPerToken / adapterSummary.medianCpuMsPerToken,
    streamedTokensPerSecond: streamedSummary.medianTokensPerSecond,
    streamedRatio: adapterSummary.medianTokensPerSecond / streamedSummary.medianTokensPerSecond,
    firstRequestMs,
    secondRequestMs,
    loadCount,
  };
  const row = (label: string, figures: ReturnType<typeof summary>) =>
    `  ${label.padEnd(22)}: ${figures.medianTokensPerSecond.toFixed(1).padStart(7)} tokens/s median, ${figures.bestTokensPerSecond.toFixed(1).padStart(7)} best, ${figures.medianCpuMsPerToken.toFixed(3)} CPU ms/token`;
  console.log(
    `transformers adapter benchmark (${modelId}, ${newTokens} new tokens, greedy, ${rounds} alternating rounds)`,
  );
  console.log(row('direct model.generate', directSummary));
  console.log(row('direct + TextStreamer', streamedSummary));
  console.log(row('adapter chat()', adapterSummary));
  console.log(
    `  ratio adapter/direct  : ${result.ratio.toFixed(3)}x median wall, ${result.bestRatio.toFixed(3)}x best wall, ${result.cpuRatio.toFixed(3)}x CPU (target >= 0.95x)`,
  );
  console.log(
    `  ratio adapter/streamed: ${result.streamedRatio.toFixed(3)}x median wall (like for like: template + tokenize + per-token decode on both sides)`,
  );
  console.log(`  first request (load)  : ${firstRequestMs.toFixed(1)} ms`);
  console.log(`  second request        : ${secondRequestMs.toFixed(1)} ms`);
  console.log(`  loads after 2 requests: ${loadCount} (expected 1)`);
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await transformersBench();
}
