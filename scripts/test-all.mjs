#!/usr/bin/env node
// The whole test suite, as `npm test` and CI run it: build, lint, typecheck, the tests of every
// workspace package (packages/*, examples/*, docs), package quality gates (publint, attw,
// exports), the consumer test (packed tarballs installed into a new app), the docs build, and
// every documented shell command run on a fresh clone (scripts/check-docs-commands.mjs).
// Prints one closing line `N passed, N failed, N skipped` summed over every vitest run, with
// the documented commands' count when that step ran.
//
//   node scripts/test-all.mjs                       every step
//   node scripts/test-all.mjs --steps=test,consumer  some steps (CI runs these on each Node)
//
// Tests run with vitest per package, not through turbo: arguments given to `turbo run test -- …`
// reach the build tasks it runs first, change their hash and build everything a second time.
// With TINYLLM_TEST_SUMMARY=file, the counts are also written to that file as JSON.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const rootBin = join(root, 'node_modules', '.bin');
const workspaceDirs = [
  ...['packages', 'examples'].flatMap((group) =>
    existsSync(join(root, group))
      ? readdirSync(join(root, group))
          .sort()
          .map((name) => join(root, group, name))
      : [],
  ),
  join(root, 'docs'),
].filter((dir) => existsSync(join(dir, 'package.json')));
const reportPath = (dir) => join(dir, '.vitest-report.json');

function runTests() {
  let ok = true;
  for (const dir of workspaceDirs) {
    rmSync(reportPath(dir), { force: true });
    const script = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).scripts?.test;
    if (!script) continue;
    console.log(`\n--- ${relative(root, dir)}: ${script}`);
    const localBin = join(dir, 'node_modules', '.bin');
    const path = [localBin, rootBin, process.env.PATH].join(delimiter);
    const vitest = /^vitest run\b/.test(script);
    const command = vitest
      ? `${script} --reporter=default --reporter=json --outputFile.json=.vitest-report.json`
      : script;
    const result = spawnSync(command, {
      cwd: dir,
      shell: true,
      stdio: 'inherit',
      env: { ...process.env, PATH: path },
    });
    if (result.status !== 0) ok = false;
  }
  return ok;
}

const steps = {
  build: ['turbo', 'run', 'build'],
  lint: ['biome', 'check', '.'],
  typecheck: ['turbo', 'run', 'typecheck'],
  test: runTests,
  'package checks': ['node', 'scripts/check-packages.mjs'],
  consumer: ['node', 'scripts/check-consumer.mjs'],
  docs: ['typedoc'],
  // Last: its builds restore what the build step cached.
  'docs-commands': ['node', 'scripts/check-docs-commands.mjs'],
};
const docsCommandsSummary = join(mkdtempSync(join(tmpdir(), 'tinyllm-test-all-')), 'docs.json');

const only = process.argv.find((arg) => arg.startsWith('--steps='))?.slice('--steps='.length);
const chosen = only ? only.split(',') : Object.keys(steps);
for (const name of chosen) {
  if (!(name in steps)) {
    console.error(`unknown step "${name}"; steps: ${Object.keys(steps).join(', ')}`);
    process.exit(2);
  }
}

console.log(`Node ${process.version}`);
const failedSteps = [];
for (const name of chosen) {
  console.log(`\n=== ${name} ===`);
  const step = steps[name];
  let ok;
  if (typeof step === 'function') ok = step();
  else {
    const [command, ...args] = step;
    const bin = command === 'node' ? process.execPath : join(rootBin, command);
    const env = { ...process.env, TINYLLM_DOCS_COMMANDS_SUMMARY: docsCommandsSummary };
    ok = spawnSync(bin, args, { cwd: root, stdio: 'inherit', env }).status === 0;
  }
  if (!ok) failedSteps.push(name);
}

let passed = 0;
let failed = 0;
let skipped = 0;
// Each failed test by file and name, with its error's first line: CI keeps only the end of a
// long log, so the closing lines have to say which test failed, not only how many.
const failedTests = [];
for (const dir of workspaceDirs) {
  if (!chosen.includes('test') || !existsSync(reportPath(dir))) continue;
  const report = JSON.parse(readFileSync(reportPath(dir), 'utf8'));
  passed += report.numPassedTests ?? 0;
  failed += report.numFailedTests ?? 0;
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  for (const file of report.testResults ?? []) {
    const failures = (file.assertionResults ?? []).filter((test) => test.status === 'failed');
    // A file that fails before its tests run (an import error) has no failed assertion.
    if (failures.length === 0 && file.status === 'failed')
      failures.push({ fullName: '(file)', failureMessages: [file.message] });
    for (const test of failures) {
      const error = String(test.failureMessages?.[0] ?? '')
        .split('\n')[0]
        .slice(0, 300);
      failedTests.push(`${relative(root, file.name)} > ${test.fullName}: ${error}`);
    }
  }
}
if (failedTests.length > 0)
  console.log(`\nfailed tests:\n${failedTests.map((t) => `  ${t}`).join('\n')}`);
// A failed non-test step counts as a failure in the closing line, so it cannot read green.
failed += failedSteps.filter((step) => step !== 'test').length;
const docsCommands = existsSync(docsCommandsSummary)
  ? JSON.parse(readFileSync(docsCommandsSummary, 'utf8'))
  : undefined;
rmSync(join(docsCommandsSummary, '..'), { recursive: true, force: true });
if (failedSteps.length > 0) console.log(`\nfailed steps: ${failedSteps.join(', ')}`);
if (process.env.TINYLLM_TEST_SUMMARY) {
  writeFileSync(
    process.env.TINYLLM_TEST_SUMMARY,
    JSON.stringify({
      node: process.version,
      passed,
      failed,
      skipped,
      failedSteps,
      failedTests,
      docsCommands,
    }),
  );
}
const docsLine =
  docsCommands === undefined
    ? ''
    : `; documented commands: ${docsCommands.ran - docsCommands.failed} of ${docsCommands.ran} ran clean, ${docsCommands.notRun} marked not-run`;
console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped${docsLine}`);
process.exit(failedSteps.length > 0 || failed > 0 ? 1 : 0);
