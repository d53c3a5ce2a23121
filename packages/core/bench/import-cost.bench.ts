/**
 * Cold import cost of `@tinyllm/core` against the `ollama` client and bare Node, in one run.
 *
 * Each sample is a fresh `node` process that imports one module and exits; rounds alternate the
 * three targets (core, ollama, bare) so drift and noisy neighbours hit all of them alike. The
 * import cost of a module is its process wall time minus bare Node's, as a median over rounds.
 * Core is imported from its build (`dist/index.js`, run `pnpm build` first), as an app would.
 *
 * `tsx bench/import-cost.bench.ts --json` prints the measurement as JSON (for the summary table);
 * other code can call {@link measureImportCost}.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** One measurement of {@link measureImportCost}, in milliseconds (medians over rounds). */
export interface ImportCostResult {
  rounds: number;
  /** Wall time of a bare `node` process that imports nothing. */
  bareMs: number;
  /** Wall time of a process importing `@tinyllm/core`, minus bare Node's. */
  coreMs: number;
  /** Wall time of a process importing `ollama`, minus bare Node's. */
  ollamaMs: number;
  /** `coreMs / ollamaMs`: the target is at most 1. */
  ratio: number;
  /** Extra builds measured alongside (e.g. `before` for a previous `dist`), minus bare Node's. */
  compared: Record<string, number>;
  /** One-minute load average when the run started. */
  loadAverage: number;
}

const coreEntry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
// ollama is not a dependency of core: resolve it the way the providers package does.
const providersRequire = createRequire(new URL('../../providers/package.json', import.meta.url));

function ollamaEntry(): string {
  // `ollama` exposes an ESM entry through its exports map; resolve from the providers package.
  const packageJson = providersRequire.resolve('ollama/package.json');
  return pathToFileURL(packageJson.replace(/package\.json$/, 'dist/index.mjs')).href;
}

function timeProcess(specifier: string | undefined): number {
  const code = specifier === undefined ? '' : `await import(${JSON.stringify(specifier)});`;
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== 0) {
    throw new Error(`importing ${specifier} failed: ${result.stderr.toString().slice(0, 500)}`);
  }
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Measures the cold import cost of core and ollama over bare Node, alternating per round. */
export async function measureImportCost(
  options: {
    rounds?: number;
    /** Extra module files to measure in the same rounds, by label (e.g. an earlier build). */
    compare?: Record<string, string>;
  } = {},
): Promise<ImportCostResult> {
  const rounds = options.rounds ?? 21;
  if (!existsSync(coreEntry)) throw new Error(`Build core first: ${coreEntry} is missing.`);
  const os = await import('node:os');
  const loadAverage = os.loadavg()[0]!;
  const targets: Array<{ name: string; specifier: string | undefined }> = [
    { name: 'core', specifier: pathToFileURL(coreEntry).href },
    { name: 'ollama', specifier: ollamaEntry() },
    { name: 'bare', specifier: undefined },
    ...Object.entries(options.compare ?? {}).map(([name, file]) => ({
      name,
      specifier: pathToFileURL(file).href,
    })),
  ];
  // Warm the file system cache once for each target: "cold" means a fresh process, not a cold disk.
  for (const target of targets) timeProcess(target.specifier);
  const samples: Record<string, number[]> = Object.fromEntries(
    targets.map((target) => [target.name, []]),
  );
  for (let round = 0; round < rounds; round++) {
    // Rotate the order every round so no target always runs first.
    for (let index = 0; index < targets.length; index++) {
      const target = targets[(index + round) % targets.length]!;
      samples[target.name]!.push(timeProcess(target.specifier));
    }
  }
  const bareMs = median(samples.bare!);
  // Per-round differences, so a slow round slows all three alike and cancels out.
  const coreMs = median(samples.core!.map((value, index) => value - samples.bare![index]!));
  const ollamaMs = median(samples.ollama!.map((value, index) => value - samples.bare![index]!));
  const overBare = (name: string) =>
    median(samples[name]!.map((value, index) => value - samples.bare![index]!));
  const compared = Object.fromEntries(
    Object.keys(options.compare ?? {}).map((name) => [name, overBare(name)]),
  );
  return { rounds, bareMs, coreMs, ollamaMs, ratio: coreMs / ollamaMs, compared, loadAverage };
}

/** Prints the measurement (the bench runner calls this). */
export default async function run(): Promise<void> {
  const result = await measureImportCost({ compare: compareFromArguments() });
  console.log(
    `import cost over bare node (median of ${result.rounds} alternating rounds, load ${result.loadAverage.toFixed(2)}):`,
  );
  console.log(`  bare node            ${result.bareMs.toFixed(1)} ms`);
  console.log(`  @tinyllm/core        +${result.coreMs.toFixed(1)} ms`);
  console.log(`  ollama               +${result.ollamaMs.toFixed(1)} ms`);
  for (const [name, value] of Object.entries(result.compared))
    console.log(
      `  ${name.padEnd(20)} +${value.toFixed(1)} ms (${(value / result.ollamaMs).toFixed(2)}× ollama)`,
    );
  console.log(`  core ÷ ollama        ${result.ratio.toFixed(2)}× (target ≤ 1.00×)`);
}

/** `--compare label=path/to/index.js` (repeatable) adds builds to measure alongside. */
function compareFromArguments(): Record<string, string> {
  const compare: Record<string, string> = {};
  process.argv.forEach((argument, index) => {
    if (argument !== '--compare') return;
    const [label, file] = (process.argv[index + 1] ?? '').split('=');
    if (label && file) compare[label] = file;
  });
  return compare;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--json')) {
    const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || undefined;
    console.log(
      JSON.stringify(await measureImportCost({ rounds, compare: compareFromArguments() })),
    );
  } else await run();
}
