#!/usr/bin/env node
// Entry point of the README's Quick start (`npm run demo`, `npm test`) on a machine that has
// only Node 20 and npm: corepack is not assumed, so pnpm comes from the npm registry through
// npx when it is not installed. Then it installs the workspace and runs the pnpm script given.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const [task = 'test:all', ...rest] = process.argv.slice(2);
const wanted = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8')).packageManager.split(
  '@',
)[1];

function installedPnpm() {
  try {
    return execFileSync('pnpm', ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}
const pnpm = installedPnpm() === wanted ? ['pnpm'] : ['npx', '--yes', `pnpm@${wanted}`];
// onnxruntime-node must not download CUDA binaries (its CPU binaries ship in the package).
const env = {
  ...process.env,
  ONNXRUNTIME_NODE_INSTALL: 'skip',
  npm_config_onnxruntime_node_install: 'skip',
};

function pnpmRun(args) {
  const [command, ...prefix] = pnpm;
  const result = spawnSync(command, [...prefix, ...args], { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

pnpmRun(['install', ...(process.env.CI ? ['--frozen-lockfile'] : []), '--reporter=append-only']);
pnpmRun(['run', task, ...rest]);
