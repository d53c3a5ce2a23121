#!/usr/bin/env node
// Runs every command in the fenced `sh` blocks of every README and guide, on a fresh clone of the
// committed HEAD (installed once; between files every dist/ folder is removed, so each file's
// commands must build what they use themselves). A block's fence may say how to treat it:
//   ```sh not-run: REASON   not run; REASON names what it needs (a service, Python, ...) or who
//                           runs it instead. Printed, so the list stays visible.
//   ```sh serves            a server: passes when it is still running after 15 s, then stopped.
// `pnpm` in a command is the pnpm that scripts/bootstrap.mjs picks (TINYLLM_PNPM), on PATH.
//   node scripts/check-docs-commands.mjs [FILE...]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const markdownFiles = (dir) =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) return entry.name === 'api' ? [] : markdownFiles(path);
        return entry.name.endsWith('.md') ? [path] : [];
      })
    : [];
const files = process.argv.slice(2).length
  ? process.argv.slice(2).map((file) => resolve(file))
  : [
      join(root, 'README.md'),
      ...['packages', 'examples'].flatMap((group) =>
        readdirSync(join(root, group))
          .sort()
          .map((name) => join(root, group, name, 'README.md'))
          .filter(existsSync),
      ),
      ...markdownFiles(join(root, 'docs')).sort(),
    ];

/** Blocks of a markdown file: `{ info, commands }`, one command per line (comments cut). */
function shellBlocks(text) {
  const blocks = [];
  for (const match of text.matchAll(/^```(sh|bash|shell)([^\n]*)\n([\s\S]*?)^```/gm)) {
    const commands = match[3]
      .replace(/\\\n/g, ' ')
      .split('\n')
      .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
      .filter(Boolean);
    blocks.push({ info: match[2].trim(), commands });
  }
  return blocks;
}

const clone = join(mkdtempSync(join(tmpdir(), 'tinyllm-docs-commands-')), 'repo');
execFileSync('git', ['clone', '--quiet', root, clone]);
const shims = mkdtempSync(join(tmpdir(), 'tinyllm-pnpm-'));
const pnpm = process.env.TINYLLM_PNPM ? JSON.parse(process.env.TINYLLM_PNPM) : ['pnpm'];
writeFileSync(
  join(shims, 'pnpm'),
  `#!/bin/sh\nexec ${pnpm.map((part) => `'${part}'`).join(' ')} "$@"\n`,
);
chmodSync(join(shims, 'pnpm'), 0o755);
const env = { ...process.env, PATH: [shims, process.env.PATH].join(delimiter), CI: 'true' };
const sh = (command, options = {}) =>
  spawnSync('bash', ['-c', command], { cwd: clone, env, encoding: 'utf8', ...options });

console.log(`fresh clone in ${clone}; installing`);
const install = sh('pnpm install --frozen-lockfile');
if (install.status !== 0) {
  console.log(install.stdout + install.stderr);
  process.exit(1);
}

function serves(command) {
  return new Promise((done) => {
    const child = spawn('bash', ['-c', `exec ${command}`], { cwd: clone, env, stdio: 'pipe' });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    let exited = false;
    child.on('exit', () => (exited = true));
    setTimeout(() => {
      if (exited) return done({ ok: false, output });
      child.kill();
      done({ ok: true, output });
    }, 15_000);
  });
}

let failures = 0;
for (const file of files) {
  const blocks = shellBlocks(readFileSync(file, 'utf8'));
  if (blocks.length === 0) continue;
  console.log(`\n${relative(root, file)}`);
  // A fresh state for each file: nothing built (turbo may restore outputs from its cache).
  sh('rm -rf packages/*/dist examples/*/dist');
  for (const { info, commands } of blocks) {
    if (info.startsWith('not-run')) {
      for (const command of commands) console.log(`  --   ${command}\n       (${info})`);
      continue;
    }
    for (const command of commands) {
      const started = Date.now();
      const result =
        info === 'serves'
          ? await serves(command)
          : (() => {
              const r = sh(command, { timeout: 20 * 60_000 });
              return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
            })();
      const seconds = ((Date.now() - started) / 1000).toFixed(0);
      if (result.ok) console.log(`  ok   ${command} (${seconds} s)`);
      else {
        failures++;
        console.log(
          `  FAIL ${command} (${seconds} s)\n${result.output.split('\n').slice(-30).join('\n')}`,
        );
      }
    }
  }
}

if (failures > 0) {
  console.error(`\n${failures} documented command(s) failed; the clone is kept in ${clone}`);
  process.exit(1);
}
rmSync(join(clone, '..'), { recursive: true, force: true });
rmSync(shims, { recursive: true, force: true });
console.log('\nevery documented command ran');
