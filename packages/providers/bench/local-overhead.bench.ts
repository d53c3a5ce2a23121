/**
 * Where the local adapter's time goes against a raw `generate` (the `pnpm bench` local row):
 *
 * - `raw`: `model.generate` on the leased session, no streamer (the row's baseline).
 * - `floor`: the same with a streamer that hands each token to a waiting consumer through one
 *   promise, the least any streaming consumer does.
 * - `stream()`: the adapter, as the row measures it.
 *
 * Sides take turns generation by generation (order alternating), 10 per side per round; ratios
 * are tokens/s against `raw` in the same round, medians over the rounds. For `stream()` the extra
 * time is then split by where it falls: before `generate` is called (validation, lease, chat
 * template, prompt ids), inside the forward calls (ONNX Runtime runs each forward synchronously
 * in a `setImmediate`, so the microtasks queued before it, among them the consumer's handling of
 * the last token, are counted there), between forwards (transformers.js's sampling, the
 * streamer's `put`), and after `generate` returns.
 *
 * Last, the adapter's own work without ONNX Runtime: `stream()` and `raw` with the forward
 * replaced by one macrotask per token replaying the recorded tokens. The same JavaScript costs
 * far less there than between real forwards (most likely: each forward leaves the CPU caches
 * full of the model).
 *
 * Run: `pnpm --filter @tinyllm/providers bench local-overhead`.
 */
import { createTransformers } from '../src/transformers/index';
import {
  median,
  modelId,
  modelOptions,
  modelsDir,
  newTokens,
  perRound,
  prompt,
  promptInputs,
  request,
  rounds,
} from './local-settings';

type Generate = (options: Record<string, unknown>) => Promise<unknown>;
interface Streamer {
  put(ids: bigint[][]): void;
  end(): void;
}

export default async function localOverheadBench(): Promise<void> {
  const transformers = createTransformers({ modelsDir });
  const model = transformers(modelId, modelOptions);
  const greedy = { do_sample: false, max_new_tokens: newTokens, min_new_tokens: newTokens };
  try {
    await model.chat(request);
    const { runtime, release } = await model.acquireRuntime();
    const inputs = promptInputs(runtime, prompt);
    const generated = (await runtime.model.generate({ ...inputs, ...greedy })) as {
      data: BigInt64Array;
    };
    const recordedTokens = Array.from(generated.data).slice(-newTokens);

    // Timestamps around every forward and around generate itself (the same on every side).
    const timed = { forward: 0, between: 0, generateCalledAt: 0, generateEndedAt: 0 };
    let lastForwardEnd = 0;
    const session = Object.values(
      (runtime.model as unknown as { sessions: Record<string, { run: Generate }> }).sessions,
    )[0]!;
    const run = session.run.bind(session);
    session.run = async (...args: unknown[]) => {
      const started = performance.now();
      if (lastForwardEnd > 0) timed.between += started - lastForwardEnd;
      try {
        return await (run as (...a: unknown[]) => Promise<unknown>)(...args);
      } finally {
        lastForwardEnd = performance.now();
        timed.forward += lastForwardEnd - started;
      }
    };
    const realGenerate = runtime.model.generate.bind(runtime.model) as Generate;
    let generate: Generate = realGenerate;
    (runtime.model as unknown as { generate: Generate }).generate = async (options) => {
      timed.generateCalledAt = performance.now();
      lastForwardEnd = 0;
      try {
        return await generate(options);
      } finally {
        timed.generateEndedAt = performance.now();
      }
    };
    release();

    const leased = async (body: (run: typeof runtime) => Promise<unknown>): Promise<void> => {
      const lease = await model.acquireRuntime();
      try {
        await body(lease.runtime);
      } finally {
        lease.release();
      }
    };
    const sides = {
      raw: () => leased((leasedRuntime) => leasedRuntime.model.generate({ ...inputs, ...greedy })),
      floor: () =>
        leased(async (leasedRuntime) => {
          let wake: (() => void) | undefined;
          let produced = 0;
          let ended = false;
          const notify = (): void => {
            const resolve = wake;
            wake = undefined;
            resolve?.();
          };
          const streamer: Streamer = {
            put() {
              produced++;
              notify();
            },
            end() {},
          };
          const done = leasedRuntime.model.generate({ ...inputs, ...greedy, streamer }).then(() => {
            ended = true;
            notify();
          });
          let consumed = 0;
          while (!ended || consumed < produced) {
            if (consumed < produced) consumed = produced;
            else await new Promise<void>((resolve) => (wake = resolve));
          }
          await done;
        }),
      'stream()': async () => {
        for await (const _ of model.stream(request)) {
          // consumed
        }
      },
    };
    type Side = keyof typeof sides;
    const names = Object.keys(sides) as Side[];
    const split = { before: 0, forward: 0, between: 0, after: 0 };
    const once = async (side: Side): Promise<number> => {
      timed.forward = 0;
      timed.between = 0;
      const started = performance.now();
      await sides[side]();
      const ended = performance.now();
      if (side === 'stream()' || side === 'raw') {
        const sign = side === 'raw' ? -1 : 1;
        split.before += sign * (timed.generateCalledAt - started);
        split.forward += sign * timed.forward;
        split.between += sign * timed.between;
        split.after += sign * (ended - timed.generateEndedAt);
      }
      return ended - started;
    };
    const round = async (): Promise<Record<Side, number>> => {
      const totals = { raw: 0, floor: 0, 'stream()': 0 };
      for (let index = 0; index < perRound; index++)
        for (const side of index % 2 === 0 ? names : [...names].reverse())
          totals[side] += (await once(side)) / perRound;
      return totals;
    };

    await round(); // warm-up
    for (const key of Object.keys(split) as Array<keyof typeof split>) split[key] = 0;
    const results: Array<Record<Side, number>> = [];
    for (let index = 0; index < rounds; index++) results.push(await round());
    const generations = rounds * perRound;
    console.log(`${modelId}, ${newTokens} tokens, ${rounds} rounds of ${perRound} per side:`);
    for (const side of names) {
      const ratios = results.map((result) => result.raw / result[side]);
      const extra = results.map((result) => result[side] - result.raw);
      console.log(
        `  ${side.padEnd(9)} tokens/s ÷ raw ${median(ratios).toFixed(3)}, ${median(extra).toFixed(2)} ms more per generation (raw ${median(results.map((result) => result.raw)).toFixed(2)} ms)`,
      );
    }
    const ms = (value: number) => `${(value / generations).toFixed(2)} ms`;
    // Means over every generation (the lines above are medians of rounds).
    console.log(
      `  stream() − raw, mean per generation: before generate ${ms(split.before)}, in forward calls ${ms(split.forward)}, between forwards ${ms(split.between)}, after ${ms(split.after)}`,
    );

    // The same JavaScript without ONNX Runtime: each forward is one macrotask, like ORT's run.
    generate = async (options) => {
      const streamer = options['streamer'] as Streamer | undefined;
      const criteria = options['stopping_criteria'] as Array<{ interrupted?: boolean }> | undefined;
      const ids = [Array.from((options['input_ids'] as { data: BigInt64Array }).data)];
      streamer?.put(ids);
      for (const token of recordedTokens) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        ids[0]!.push(token);
        streamer?.put([[token]]);
        if (criteria?.some((criterion) => criterion.interrupted)) break;
      }
      streamer?.end();
      return ids;
    };
    const replayed = { raw: [] as number[], 'stream()': [] as number[] };
    for (let index = 0; index < 40; index++) await once(index % 2 ? 'raw' : 'stream()');
    for (let index = 0; index < 400; index++)
      for (const side of index % 2
        ? (['raw', 'stream()'] as const)
        : (['stream()', 'raw'] as const)) {
        const cpu = process.cpuUsage();
        await once(side);
        const used = process.cpuUsage(cpu);
        replayed[side].push((used.user + used.system) / 1000);
      }
    console.log(
      `  replayed without ONNX Runtime, CPU per generation: raw ${median(replayed.raw).toFixed(2)} ms, stream() ${median(replayed['stream()']).toFixed(2)} ms (stream() − raw ${(median(replayed['stream()']) - median(replayed.raw)).toFixed(2)} ms)`,
    );
    generate = realGenerate;
  } finally {
    await transformers.dispose();
  }
}
