/**
 * The short form of the remote fault matrix (one round). The long form with figures is
 * `bench/fault-matrix.bench.ts`.
 */
import { describe, expect, it } from 'vitest';
import { faults, problemsOf, remoteAdapters, runFaultMatrix } from './fault-matrix';

describe('remote fault matrix', () => {
  for (const adapter of remoteAdapters) {
    it(`${adapter.name}: every fault is typed, bounded and leaks no key (adapter and router)`, async () => {
      const rows = await runFaultMatrix({ adapters: [adapter.name] });
      expect(rows).toHaveLength(faults.length * 2);
      const problems = rows
        .map((row) => ({ case: `${row.path} × ${row.fault}`, problems: problemsOf(row) }))
        .filter((entry) => entry.problems.length > 0);
      expect(problems).toEqual([]);
    });
  }
});
