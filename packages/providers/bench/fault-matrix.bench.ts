/**
 * The long form of the remote fault matrix: every remote adapter × every fault, through the
 * adapter and through a router with fallback, over several rounds (TINYLLM_FAULT_ROUNDS,
 * default 10). Prints the outcome, the time to it (median and max), hangs, untyped errors,
 * connections left open and places the canary key appeared.
 *
 * Run: `pnpm --filter @tinyllm/providers bench fault` or `tsx bench/fault-matrix.bench.ts`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type MatrixCase, problemsOf, runFaultMatrix } from '../test/fault-matrix/fault-matrix';

const rounds = Number(process.env['TINYLLM_FAULT_ROUNDS'] ?? 10);

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** Totals of a matrix run. */
export interface FaultMatrixSummary {
  cases: number;
  hangs: number;
  untyped: number;
  wrongOutcome: number;
  connectionsLeftOpen: number;
  leaks: number;
}

export default async function faultMatrixBench(): Promise<FaultMatrixSummary> {
  const rows = await runFaultMatrix({ rounds });
  const groups = new Map<string, MatrixCase[]>();
  for (const row of rows) {
    const key = `${row.adapter}\u0000${row.fault}\u0000${row.path}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  console.log(
    `remote fault matrix: ${rows.length} cases (${rounds} rounds × ${groups.size} adapter/fault/path cells)`,
  );
  console.log(
    `${'adapter'.padEnd(18)}${'fault'.padEnd(20)}${'path'.padEnd(8)}${'outcome'.padEnd(34)}${'median ms'.padStart(10)}${'max ms'.padStart(9)}  problems`,
  );
  for (const cases of groups.values()) {
    const first = cases[0]!;
    const outcomes = [...new Set(cases.map((row) => row.outcome))].join('|');
    const shown =
      first.path === 'router' && first.outcome === 'fallback'
        ? `fallback (${first.fallbackCode})`
        : outcomes;
    const problems = [...new Set(cases.flatMap(problemsOf))];
    console.log(
      `${first.adapter.padEnd(18)}${first.fault.padEnd(20)}${first.path.padEnd(8)}${shown.padEnd(34)}${median(
        cases.map((row) => row.timeMs),
      )
        .toFixed(1)
        .padStart(10)}${Math.max(...cases.map((row) => row.timeMs))
        .toFixed(1)
        .padStart(9)}  ${problems.length === 0 ? '-' : problems.join('; ')}`,
    );
  }
  const summary: FaultMatrixSummary = {
    cases: rows.length,
    hangs: rows.filter((row) => row.outcome === 'hang').length,
    untyped: rows.filter((row) => row.outcome === 'untyped').length,
    wrongOutcome: rows.filter((row) => row.outcome !== row.expected).length,
    connectionsLeftOpen: rows.filter((row) => row.connectionClosed === false).length,
    leaks: rows.reduce((sum, row) => sum + row.leaks.length, 0),
  };
  console.log(
    `totals: ${summary.cases} cases, ${summary.hangs} hangs, ${summary.untyped} untyped errors, ${summary.wrongOutcome} unexpected outcomes, ${summary.connectionsLeftOpen} connections left open, ${summary.leaks} places the canary key appeared`,
  );
  return summary;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await faultMatrixBench();
}
