#!/usr/bin/env node
// The whole test suite, as CI runs it: build, lint, typecheck, unit/integration tests of every
// package and example, package quality gates (publint, attw, exports), and the docs build.
// Prints one closing line `N passed, N failed, N skipped` summed over every vitest run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const workspaceDirs = ['packages', 'examples']
  .flatMap((group) =>
    existsSync(join(root, group))
      ? readdirSync(join(root, group)).map((name) => join(root, group, name))
      : [],
  )
  .filter((dir) => existsSync(join(dir, 'package.json')));
const reportPath = (dir) => join(dir, '.vitest-report.json');
for (const dir of workspaceDirs) rmSync(reportPath(dir), { force: true });

const steps = [
  ['build', ['turbo', 'run', 'build']],
  ['lint', ['biome', 'check', '.']],
  ['typecheck', ['turbo', 'run', 'typecheck']],
  [
    'test',
    [
      'turbo',
      'run',
      'test',
      '--concurrency=1',
      '--',
      '--reporter=default',
      '--reporter=json',
      '--outputFile.json=.vitest-report.json',
    ],
  ],
  ['package checks', ['node', 'scripts/check-packages.mjs']],
  ['docs', ['typedoc']],
];

const failedSteps = [];
for (const [name, [command, ...args]] of steps) {
  console.log(`\n=== ${name} ===`);
  const bin = command === 'node' ? process.execPath : join(root, 'node_modules', '.bin', command);
  const result = spawnSync(bin, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (result.status !== 0) failedSteps.push(name);
}

let passed = 0;
let failed = 0;
let skipped = 0;
for (const dir of workspaceDirs) {
  if (!existsSync(reportPath(dir))) continue;
  const report = JSON.parse(readFileSync(reportPath(dir), 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
}
if (failedSteps.length > 0) console.log(`\nfailed steps: ${failedSteps.join(', ')}`);
// A failed non-test step counts as a failure in the closing line, so it cannot read green.
console.log(
  `\n${passed} passed, ${failed + failedSteps.filter((step) => step !== 'test').length} failed, ${skipped} skipped`,
);
process.exit(failedSteps.length > 0 || failed > 0 ? 1 : 0);
