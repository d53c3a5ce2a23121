/**
 * Measurement helpers shared by the provider benchmarks: time to first token and total time of
 * a stream, medians over alternating runs, and wall time + peak RSS of concurrent streams.
 */

/** Timings of one stream. */
export interface StreamTiming {
  firstTokenMs: number;
  totalMs: number;
  /** Characters of text received (the adapter may merge deltas that arrived together). */
  characters: number;
  /** Pieces (events or chunks) the text came in. */
  pieces: number;
}

/** Consumes `run`'s text pieces, timing the first one and the end. */
export async function timeStream(run: () => AsyncIterable<string>): Promise<StreamTiming> {
  const startedAt = performance.now();
  let firstTokenAt: number | undefined;
  let characters = 0;
  let pieces = 0;
  for await (const piece of run()) {
    if (piece.length === 0) continue;
    firstTokenAt ??= performance.now();
    characters += piece.length;
    pieces++;
  }
  const endedAt = performance.now();
  return {
    firstTokenMs: (firstTokenAt ?? endedAt) - startedAt,
    totalMs: endedAt - startedAt,
    characters,
    pieces,
  };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** A named way to stream one response's text. */
export interface Contender {
  name: string;
  stream: () => AsyncIterable<string>;
}

/**
 * Runs adapter and baseline alternately (so drift in machine load hits both), after warm-up,
 * and prints medians and the adapter/baseline ratios.
 */
export async function compareStreams(
  title: string,
  adapter: Contender,
  baseline: Contender,
  options: { iterations: number; warmup: number; tokens: number; expectedCharacters: number },
): Promise<void> {
  for (let index = 0; index < options.warmup; index++) {
    await timeStream(adapter.stream);
    await timeStream(baseline.stream);
  }
  const results = { adapter: [] as StreamTiming[], baseline: [] as StreamTiming[] };
  for (let index = 0; index < options.iterations; index++) {
    // Alternate who goes first, so neither always runs on a warmer or colder machine.
    if (index % 2 === 0) {
      results.adapter.push(await timeStream(adapter.stream));
      results.baseline.push(await timeStream(baseline.stream));
    } else {
      results.baseline.push(await timeStream(baseline.stream));
      results.adapter.push(await timeStream(adapter.stream));
    }
  }
  for (const [who, timings] of Object.entries(results)) {
    const wrong = timings.find((timing) => timing.characters !== options.expectedCharacters);
    if (wrong)
      throw new Error(
        `${who} saw ${wrong.characters} characters, expected ${options.expectedCharacters}`,
      );
  }
  const ttft = {
    adapter: median(results.adapter.map((t) => t.firstTokenMs)),
    baseline: median(results.baseline.map((t) => t.firstTokenMs)),
  };
  const total = {
    adapter: median(results.adapter.map((t) => t.totalMs)),
    baseline: median(results.baseline.map((t) => t.totalMs)),
  };
  const pieces = median(results.adapter.map((t) => t.pieces));
  console.log(
    `${title}: ${options.tokens}-token stream, median of ${options.iterations} alternating runs (adapter delivered it in a median of ${pieces} events)`,
  );
  console.log(
    `  time to first token: ${adapter.name} ${ttft.adapter.toFixed(2)} ms | ${baseline.name} ${ttft.baseline.toFixed(2)} ms | ratio ${(ttft.adapter / ttft.baseline).toFixed(3)}`,
  );
  console.log(
    `  total:               ${adapter.name} ${total.adapter.toFixed(2)} ms | ${baseline.name} ${total.baseline.toFixed(2)} ms | ratio ${(total.adapter / total.baseline).toFixed(3)} (overhead ${((total.adapter / total.baseline - 1) * 100).toFixed(1)}%)`,
  );
}

/** Runs `count` streams at once; prints wall time and the peak RSS seen while they ran. */
export async function concurrentStreams(
  title: string,
  contender: Contender,
  count: number,
): Promise<{ wallMs: number; peakRssMb: number }> {
  (globalThis as { gc?: () => void }).gc?.();
  const baseRss = process.memoryUsage().rss;
  let peak = baseRss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const startedAt = performance.now();
  const timings = await Promise.all(
    Array.from({ length: count }, () => timeStream(contender.stream)),
  );
  const wallMs = performance.now() - startedAt;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const characters = timings.reduce((sum, timing) => sum + timing.characters, 0);
  const peakRssMb = peak / 1024 / 1024;
  console.log(
    `  ${title} ${contender.name}: ${count} concurrent streams, ${characters} characters, wall ${wallMs.toFixed(1)} ms, peak RSS ${peakRssMb.toFixed(1)} MB (+${((peak - baseRss) / 1024 / 1024).toFixed(1)} MB)`,
  );
  return { wallMs, peakRssMb };
}

/**
 * Runs `count` concurrent streams for each contender, in the order A, B, B, A (so JIT warm-up
 * and machine drift do not favour one), and prints the mean wall time and peak RSS of each.
 */
export async function compareConcurrent(
  title: string,
  adapter: Contender,
  baseline: Contender,
  count: number,
  refill: () => void,
): Promise<void> {
  const runs = {
    adapter: [] as Array<{ wallMs: number; peakRssMb: number }>,
    baseline: [] as Array<{ wallMs: number; peakRssMb: number }>,
  };
  // One unmeasured round each first: the first concurrent burst pays JIT and socket warm-up.
  for (const contender of [adapter, baseline]) {
    refill();
    await Promise.all(Array.from({ length: count }, () => timeStream(contender.stream)));
  }
  for (const who of ['adapter', 'baseline', 'baseline', 'adapter'] as const) {
    refill();
    runs[who].push(await concurrentStreams(title, who === 'adapter' ? adapter : baseline, count));
  }
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const wall = {
    adapter: mean(runs.adapter.map((r) => r.wallMs)),
    baseline: mean(runs.baseline.map((r) => r.wallMs)),
  };
  const rss = {
    adapter: Math.max(...runs.adapter.map((r) => r.peakRssMb)),
    baseline: Math.max(...runs.baseline.map((r) => r.peakRssMb)),
  };
  console.log(
    `${title}: ${count} concurrent streams: mean wall ${adapter.name} ${wall.adapter.toFixed(1)} ms | ${baseline.name} ${wall.baseline.toFixed(1)} ms | ratio ${(wall.adapter / wall.baseline).toFixed(3)}; peak RSS ${rss.adapter.toFixed(1)} MB | ${rss.baseline.toFixed(1)} MB`,
  );
}

/** `count` copies of `value`. */
export const repeat = <T>(value: T, count: number): T[] =>
  Array.from({ length: count }, () => value);
