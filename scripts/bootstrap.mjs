#!/usr/bin/env node
// Entry point of the README's Quick start (`npm run demo`, `npm test`) on a machine that has only
// Node and npm. It picks a pnpm (the installed one when it is new enough, else the version pinned in
// package.json's packageManager, fetched from the npm registry through npx: corepack is not
// assumed), installs the workspace, and then:
//   demo  builds the demo and what it depends on, showing one progress line (the full log only on
//         failure), then runs the demo;
//   test  runs scripts/test-all.mjs (build, lint, typecheck, tests, package checks, docs).
// Any other argument runs that root package.json script through pnpm.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const [task = 'test', ...rest] = process.argv.slice(2);
const pinned = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).packageManager.split(
  '@',
)[1];

function installedPnpmVersion() {
  try {
    return execFileSync('pnpm', ['--version'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      // pnpm 11+ would otherwise fetch the pinned version just to answer --version.
      env: { ...process.env, pnpm_config_pm_on_fail: 'ignore' },
    }).trim();
  } catch {
    return undefined;
  }
}

// pnpm-workspace.yaml holds the settings (allowBuilds, pmOnFail), which pnpm reads from 10.26 on.
function isRecentEnough(version) {
  const [major = 0, minor = 0] = (version ?? '').split('.').map(Number);
  return major > 10 || (major === 10 && minor >= 26);
}

const installed = installedPnpmVersion();
// --package names what npx installs even when npm_config_package is in the environment (as
// inside `npx -p node@22 -- …`, which would otherwise make npx look for a command `pnpm@…`).
const pnpm = isRecentEnough(installed)
  ? ['pnpm']
  : ['npx', '--yes', `--package=pnpm@${pinned}`, '--', 'pnpm'];
const env = {
  ...process.env,
  // onnxruntime-node's install script never runs (allowBuilds), but were it allowed, it must not
  // download CUDA binaries: the CPU binaries ship inside the npm package.
  ONNXRUNTIME_NODE_INSTALL: 'skip',
  // The pnpm chosen here, for scripts that pack packages (scripts/check-consumer.mjs).
  TINYLLM_PNPM: JSON.stringify(pnpm),
  TURBO_TELEMETRY_DISABLED: '1',
  TURBO_NO_UPDATE_NOTIFIER: '1',
};

/** Runs a command with its output kept; prints the output only when the command fails. */
function quietly(label, [command, ...args], onLine = () => {}) {
  return new Promise((done) => {
    const started = Date.now();
    const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    let pending = '';
    const take = (chunk) => {
      log += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('close', (code) => {
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      if (code === 0) {
        status(`${label}: done in ${seconds} s`);
        process.stdout.write('\n');
        done();
        return;
      }
      process.stdout.write('\n');
      process.stderr.write(`${log}\n${label} failed (exit ${code}); the full log is above.\n`);
      process.exit(code ?? 1);
    });
  });
}

// One line, redrawn in place on a terminal; elsewhere (CI logs) only the final state is printed.
function status(text) {
  if (process.stdout.isTTY) process.stdout.write(`\r\x1b[2K${text}`);
  else if (/done in/.test(text)) process.stdout.write(text);
}

async function install() {
  const frozen = process.env.CI ? ['--frozen-lockfile'] : [];
  status(`installing dependencies with pnpm ${isRecentEnough(installed) ? installed : pinned}…`);
  await quietly('install', [...pnpm, 'install', ...frozen, '--reporter=append-only']);
}

async function buildWithProgress(filter) {
  // The task list up front, so the progress line can say "3/6".
  const dry = spawnSync(
    resolve(root, 'node_modules', '.bin', 'turbo'),
    ['run', 'build', `--filter=${filter}`, '--dry=json'],
    { cwd: root, env, encoding: 'utf8' },
  );
  const total = dry.status === 0 ? JSON.parse(dry.stdout).tasks.length : '?';
  let started = 0;
  status(`building 0/${total}`);
  await quietly(
    `build (${total} packages)`,
    [...pnpm, 'exec', 'turbo', 'run', 'build', `--filter=${filter}`, '--output-logs=hash-only'],
    (line) => {
      const match = /^(\S+):build: cache (hit|miss)/.exec(line);
      if (!match) return;
      started++;
      status(`building ${started}/${total}: ${match[1]}${match[2] === 'hit' ? ' (cached)' : ''}`);
    },
  );
}

function run([command, ...args]) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  process.exit(result.status ?? 1);
}

await install();
if (task === 'demo') {
  await buildWithProgress('@tinyllm/demo...');
  run([process.execPath, 'examples/demo/dist/index.js', ...rest]);
} else if (task === 'test') {
  // pnpm on PATH for turbo, which looks for the package manager binary.
  run([...pnpm, 'exec', 'node', 'scripts/test-all.mjs', ...rest]);
} else {
  run([...pnpm, 'run', task, ...rest]);
}
