/**
 * ONNX Runtime threads for the local model: `sessionOptions: { intraOpNumThreads: 1 }` against
 * ONNX Runtime's own choice (`0`: one thread per physical core, spinning between tokens), each on
 * its own loaded session of the same model, generation by generation in turn (the order
 * alternating). The figures behind the adapter's default (`oneThreadWeightsBytes` in
 * src/transformers/load-model.ts); run it with a core kept busy to see an app's side of it.
 * Reports wall-clock tokens/s and process CPU per generation (every thread counted), each as the
 * median of the per-round ratios, one thread ÷ default.
 *
 * Run: `pnpm --filter @tinyllm/providers bench onnx-threads` (TINYLLM_BENCH_MODELS_DIR and
 * TINYLLM_BENCH_MODEL: another model).
 */
import { createTransformers } from '../src/transformers/index';
import {
  median,
  modelId,
  modelOptions,
  modelsDir,
  newTokens,
  perRound,
  request,
  rounds,
} from './local-settings';

export default async function onnxThreadsBench(): Promise<void> {
  const sides = {
    default: createTransformers({ modelsDir, sessionOptions: { intraOpNumThreads: 0 } }),
    'one thread': createTransformers({ modelsDir, sessionOptions: { intraOpNumThreads: 1 } }),
  };
  try {
    const models = Object.values(sides).map((provider) => provider(modelId, modelOptions));
    const generate = async (index: number): Promise<{ ms: number; cpuMs: number }> => {
      const cpu = process.cpuUsage();
      const started = performance.now();
      const response = await models[index]!.chat(request);
      const ms = performance.now() - started;
      const used = process.cpuUsage(cpu);
      if (response.usage.outputTokens !== newTokens)
        throw new Error(`generated ${response.usage.outputTokens} tokens, not ${newTokens}`);
      return { ms, cpuMs: (used.user + used.system) / 1000 };
    };
    const round = async (): Promise<Array<{ ms: number; cpuMs: number }>> => {
      const totals = [
        { ms: 0, cpuMs: 0 },
        { ms: 0, cpuMs: 0 },
      ];
      for (let index = 0; index < perRound; index++) {
        for (const side of index % 2 === 0 ? [0, 1] : [1, 0]) {
          const { ms, cpuMs } = await generate(side);
          totals[side]!.ms += ms / perRound;
          totals[side]!.cpuMs += cpuMs / perRound;
        }
      }
      return totals;
    };
    await round(); // loads both sessions and warms them up
    const results: Array<Array<{ ms: number; cpuMs: number }>> = [];
    for (let index = 0; index < rounds; index++) results.push(await round());
    const speed = results.map(([base, one]) => base!.ms / one!.ms);
    const cpu = results.map(([base, one]) => one!.cpuMs / base!.cpuMs);
    const ms = (side: number) => median(results.map((r) => r[side]!.ms)).toFixed(1);
    const cpuMs = (side: number) => median(results.map((r) => r[side]!.cpuMs)).toFixed(1);
    console.log(
      `${modelId}, ${newTokens} tokens per generation, ${rounds} rounds of ${perRound} per side:\n` +
        `  default:    ${ms(0)} ms wall, ${cpuMs(0)} ms CPU per generation\n` +
        `  one thread: ${ms(1)} ms wall, ${cpuMs(1)} ms CPU per generation\n` +
        `  tokens/s, one thread ÷ default: median ${median(speed).toFixed(3)} (rounds ${speed.map((r) => r.toFixed(2)).join(' ')})\n` +
        `  CPU per generation, one thread ÷ default: median ${median(cpu).toFixed(3)} (rounds ${cpu.map((r) => r.toFixed(2)).join(' ')})`,
    );
  } finally {
    await Promise.all(Object.values(sides).map((provider) => provider.dispose()));
  }
}
