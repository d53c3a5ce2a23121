#!/usr/bin/env node
// Checks the guides in docs/: every ```ts snippet type-checks against the built packages and
// every relative link resolves. The checks live in the @tinyllm/docs workspace package
// (docs/src/check-docs.test.ts) so `turbo run test` runs them in CI; this script runs them
// alone, after `pnpm build`: `node scripts/check-docs.mjs`.
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const vitest = join(root, 'node_modules', '.bin', 'vitest');
const result = spawnSync(vitest, ['run', ...process.argv.slice(2)], {
  cwd: join(root, 'docs'),
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
