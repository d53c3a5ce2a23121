#!/usr/bin/env node
// Package quality gates for every publishable package, run after `pnpm build`:
//  1. publint: package.json fields, exports and files are consistent;
//  2. @arethetypeswrong/cli: types resolve for ESM and CJS consumers (node16 + bundler);
//  3. every declared export loads through both `import` and `require`, and a path outside
//     `exports` (e.g. `pkg/dist/index.js`) is refused with ERR_PACKAGE_PATH_NOT_EXPORTED.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const packagesDir = join(root, 'packages');
const bin = (name) => join(root, 'node_modules', '.bin', name);
let failures = 0;

function run(label, command, args, cwd) {
  try {
    execFileSync(command, args, { cwd, stdio: 'pipe', encoding: 'utf8' });
    console.log(`  ok   ${label}`);
  } catch (error) {
    failures++;
    console.log(`  FAIL ${label}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
}

for (const name of readdirSync(packagesDir).sort()) {
  const dir = join(packagesDir, name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (manifest.private) continue;
  console.log(`${manifest.name}`);
  run('publint', bin('publint'), ['--strict', dir], root);
  // Browser builds (e.g. @tinyllm/core/sse-client, served to pages as a plain ES module) are
  // ESM-only on purpose, so attw's "a require call resolves to ESM" does not apply to them.
  const browserOnly = Object.entries(manifest.exports)
    .filter(
      ([, target]) => typeof target?.default === 'string' && target.default.includes('/browser/'),
    )
    .map(([subpath]) => subpath);
  run(
    'attw',
    bin('attw'),
    [
      '--pack',
      dir,
      '--profile',
      'node16',
      '--format',
      'ascii',
      ...(browserOnly.length > 0 ? ['--exclude-entrypoints', ...browserOnly] : []),
    ],
    root,
  );

  // Self-reference by package name resolves through `exports`, exactly as a consumer would.
  const requireFromPackage = createRequire(join(dir, 'package.json'));
  for (const subpath of Object.keys(manifest.exports)) {
    if (subpath === './package.json') continue;
    const specifier = manifest.name + subpath.slice(1);
    // A fresh Node process per check, resolving from the package folder like a consumer.
    run(
      `loads ${specifier} (require)`,
      process.execPath,
      ['-e', `require(${JSON.stringify(specifier)})`],
      dir,
    );
    run(
      `loads ${specifier} (import)`,
      process.execPath,
      ['--input-type=module', '-e', `await import(${JSON.stringify(specifier)})`],
      dir,
    );
  }
  const hidden = `${manifest.name}/dist/index.js`;
  try {
    requireFromPackage.resolve(hidden);
    failures++;
    console.log(`  FAIL ${hidden} is importable but is not in "exports"`);
  } catch (error) {
    if (error.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED')
      console.log(`  ok   ${hidden} is not importable`);
    else {
      failures++;
      console.log(`  FAIL ${hidden}: unexpected ${error.code}`);
    }
  }
}

if (failures > 0) {
  console.error(`\n${failures} package check(s) failed`);
  process.exit(1);
}
console.log('\nall package checks passed');
