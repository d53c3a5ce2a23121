/**
 * Validation throughput of a full config (every section, two tools), against a plain
 * `trainingConfigSchema.safeParse` of the same object measured in the same run. The ratio
 * shows what the extra work (stable codes, unknown-key scan, advice, memory estimate) costs,
 * independently of how fast or busy the machine is.
 *
 * The two are measured in alternating short rounds and the best round of each is reported:
 * on a shared machine other processes only ever slow a round down, so the best round is the
 * closest to the code's own speed, and alternating exposes both to the same conditions.
 *
 * Run: pnpm --filter @tinyllm/config-builder bench
 */
import { loadavg } from 'node:os';
import { getTemplate, trainingConfigSchema, validateConfig } from '../src/index';

const config = structuredClone(getTemplate('sft_pc_building').config);
const target = 50_000;
const rounds = 10;
const roundMs = 400;

function round(run: () => unknown): number {
  let iterations = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(roundMs) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let index = 0; index < 500; index++) run();
    iterations += 500;
    now = process.hrtime.bigint();
  }
  return iterations / (Number(now - start) / 1e9);
}

if (!validateConfig(config).valid) throw new Error('the benchmark config must be valid');
const baseline = () => trainingConfigSchema.safeParse(config);
const full = () => validateConfig(config);
// Warm up both so the JIT has optimized them before any timed round.
for (let index = 0; index < 30_000; index++) {
  baseline();
  full();
}

const baselineRounds: number[] = [];
const fullRounds: number[] = [];
for (let index = 0; index < rounds; index++) {
  baselineRounds.push(round(baseline));
  fullRounds.push(round(full));
}

const best = (values: number[]) => Math.max(...values);
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const format = (value: number) => Math.round(value).toLocaleString('en-US').padStart(10);
const ratio = (a: number, b: number) => (a / b).toFixed(2);

console.log(
  `Full config (sft_pc_building, 2 tools), ${rounds} alternating rounds of ${roundMs} ms`,
);
console.log(
  `load average (1 min): ${loadavg()[0]?.toFixed(1)} (2-core machine: above 2 means other work competes)`,
);
console.log('');
console.log(`${''.padEnd(40)} ${'best'.padStart(10)} ${'median'.padStart(10)}  (per second)`);
console.log(
  `${'baseline: trainingConfigSchema.safeParse'.padEnd(40)} ${format(best(baselineRounds))} ${format(median(baselineRounds))}`,
);
console.log(
  `${'validateConfig (errors + warnings)'.padEnd(40)} ${format(best(fullRounds))} ${format(median(fullRounds))}`,
);
console.log(
  `${'ratio validateConfig / safeParse'.padEnd(40)} ${ratio(best(fullRounds), best(baselineRounds)).padStart(9)}× ${ratio(median(fullRounds), median(baselineRounds)).padStart(9)}×`,
);
console.log('');
console.log(
  `target > ${target.toLocaleString('en-US')} validations/s: ${best(fullRounds) > target ? 'met' : 'NOT met'} (best round)`,
);
