#!/usr/bin/env node
// Runs every command in the fenced `sh` (or `bash`) blocks of every README and guide, on a fresh
// clone of the committed HEAD, installed once. Between files every dist/ folder is removed, so
// each file's commands must build what they use themselves. A block's fence may say how to treat it:
//   ```sh not-run: REASON   not run; REASON names what it needs (a service, a GPU trainer, ...) or
//                           which test runs it instead. Printed, so the list stays visible.
//   ```sh serves            servers: each command passes when it answers HTTP on the `--port` it
//                           names (or, naming none, is still running after 15 s), then is stopped.
// `pnpm` in a command is the pnpm that scripts/bootstrap.mjs picks (TINYLLM_PNPM), on PATH.
//
// What is not run again here, and why: `npm test` (this check is one of its steps) and the
// training loop of docs/guides/training-loop.md (minutes of real training;
// packages/trainer/test/loop.e2e.test.ts reads that block from the guide and runs it in the test
// step). Builds share the turbo cache of the checkout that runs the check, so `pnpm build` in the
// clone restores what the suite's build step made from the same sources instead of building
// everything a second time (a command that forgets to build a dependency still fails: the cache
// only restores tasks that command's own turbo run schedules).
//
//   node scripts/check-docs-commands.mjs [FILE...]
// With TINYLLM_DOCS_COMMANDS_SUMMARY=file, the counts are also written to that file as JSON.
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
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const started = Date.now();
const markdownFiles = (dir) =>
  existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const path = join(dir, entry.name);
        if (entry.isDirectory())
          return entry.name === 'api' || entry.name === 'node_modules' ? [] : markdownFiles(path);
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
    const commands = [];
    const lines = match[3].replace(/\\\n/g, ' ').split('\n');
    for (let index = 0; index < lines.length; index++) {
      const heredoc = /<<-?\s*'?(\w+)'?/.exec(lines[index]);
      if (heredoc) {
        // A here-document is part of its command, up to its terminator line.
        const end = lines.indexOf(heredoc[1], index + 1);
        const last = end < 0 ? lines.length - 1 : end;
        commands.push(lines.slice(index, last + 1).join('\n'));
        index = last;
        continue;
      }
      const command = lines[index].replace(/(^|\s)#.*$/, '').trim();
      if (command) commands.push(command);
    }
    blocks.push({ info: match[2].trim(), commands });
  }
  return blocks;
}

// The turbo cache of this checkout: turbo keeps it next to the main worktree's .git.
const commonGitDir = resolve(
  root,
  execFileSync('git', ['rev-parse', '--git-common-dir'], { cwd: root, encoding: 'utf8' }).trim(),
);
const turboCache = join(dirname(commonGitDir), '.turbo', 'cache');

const clone = join(mkdtempSync(join(tmpdir(), 'tinyllm-docs-commands-')), 'repo');
execFileSync('git', ['clone', '--quiet', root, clone]);
const pnpm = process.env.TINYLLM_PNPM ? JSON.parse(process.env.TINYLLM_PNPM) : ['pnpm'];
// A shim only when bootstrap runs pnpm through npx. When it picked the installed pnpm (['pnpm']),
// that one is already on PATH, and a shim exec-ing 'pnpm' would find itself first and loop forever.
const shims = pnpm.length > 1 ? mkdtempSync(join(tmpdir(), 'tinyllm-pnpm-')) : undefined;
if (shims) {
  writeFileSync(
    join(shims, 'pnpm'),
    `#!/bin/sh\nexec ${pnpm.map((part) => `'${part}'`).join(' ')} "$@"\n`,
  );
  chmodSync(join(shims, 'pnpm'), 0o755);
}
const env = {
  ...process.env,
  PATH: shims ? [shims, process.env.PATH].join(delimiter) : process.env.PATH,
  CI: 'true',
  TURBO_CACHE_DIR: turboCache,
  TURBO_TELEMETRY_DISABLED: '1',
};
const sh = (command, options = {}) =>
  spawnSync('bash', ['-c', command], { cwd: clone, env, encoding: 'utf8', ...options });
/** A command, without blocking the local Hub server that answers it. */
const run = (command) =>
  new Promise((done) => {
    const child = spawn('bash', ['-c', command], { cwd: clone, env, stdio: 'pipe' });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20 * 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ ok: code === 0, output });
    });
  });

// The Hugging Face Hub, for `tinyllm-registry import` (it reads HF_ENDPOINT): a local server
// answering the Hub's model-info and file endpoints with their documented shapes for the one
// repo the docs import. Anything else is the Hub's 404.
const hubRepo = {
  id: 'Qwen/Qwen3-0.6B',
  sha: 'c1899de289a04d12100db370d81485cdf75e47ca',
  pipeline_tag: 'text-generation',
  tags: ['transformers', 'safetensors', 'qwen3', 'text-generation'],
  cardData: { license: 'apache-2.0', base_model: ['Qwen/Qwen3-0.6B-Base'] },
  gated: false,
  private: false,
  safetensors: { parameters: { BF16: 751632384 }, total: 751632384 },
  config: { model_type: 'qwen3', architectures: ['Qwen3ForCausalLM'] },
};
const hub = createServer((request, response) => {
  const json = (status, body, headers = {}) => {
    response.writeHead(status, { 'content-type': 'application/json', ...headers });
    response.end(JSON.stringify(body));
  };
  if (request.url === `/api/models/${hubRepo.id}`) return json(200, hubRepo);
  if (request.url === `/${hubRepo.id}/resolve/${hubRepo.sha}/config.json`)
    return json(200, {
      architectures: ['Qwen3ForCausalLM'],
      max_position_embeddings: 40960,
      model_type: 'qwen3',
    });
  json(404, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound' });
});
await new Promise((done) => hub.listen(0, '127.0.0.1', done));
env.HF_ENDPOINT = `http://127.0.0.1:${hub.address().port}`;

function cleanUp() {
  hub.close();
  rmSync(join(clone, '..'), { recursive: true, force: true });
  if (shims) rmSync(shims, { recursive: true, force: true });
}

console.log(`fresh clone in ${clone}; installing`);
const install = sh('pnpm install --frozen-lockfile');
if (install.status !== 0) {
  console.log(install.stdout + install.stderr);
  cleanUp();
  process.exit(1);
}

/** Runs a server command; ok when it answers on its --port (or keeps running 15 s without one). */
function serves(command) {
  const port = /--port[ =](\d+)/.exec(command)?.[1];
  return new Promise((done) => {
    const child = spawn('bash', ['-c', command], {
      cwd: clone,
      env,
      stdio: 'pipe',
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    let settled = false;
    const finish = (ok) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      clearTimeout(deadline);
      if (child.exitCode === null) {
        child.once('exit', () => done({ ok, output }));
        process.kill(-child.pid, 'SIGTERM');
      } else done({ ok, output });
    };
    child.on('exit', () => finish(false));
    const poll = setInterval(async () => {
      if (port === undefined) return;
      try {
        const response = await fetch(`http://127.0.0.1:${port}/`);
        await response.body?.cancel();
        if (response.status < 500) finish(true);
      } catch {
        // Not listening yet.
      }
    }, 500);
    // A server without a port passes by staying up; one with a port must answer within 60 s.
    const deadline = setTimeout(() => finish(port === undefined), port ? 60_000 : 15_000);
  });
}

let ran = 0;
let failures = 0;
let notRun = 0;
for (const file of files) {
  const blocks = shellBlocks(readFileSync(file, 'utf8'));
  if (blocks.length === 0) continue;
  console.log(`\n${relative(root, file)}`);
  // A fresh state for each file: nothing built (turbo may restore outputs from its cache).
  sh('rm -rf packages/*/dist examples/*/dist');
  // A package's README speaks to a project that installed it from npm, where it is built.
  const packageDir = relative(root, file).match(/^packages\/([^/]+)\/README\.md$/)?.[1];
  if (packageDir !== undefined) {
    const name = JSON.parse(readFileSync(join(root, 'packages', packageDir, 'package.json'))).name;
    const setup = await run(`pnpm turbo run build --filter=${name}... --output-logs=errors-only`);
    console.log(`  (setup: ${name} built, as npm installs it${setup.ok ? '' : ': FAILED'})`);
    if (!setup.ok) {
      failures++;
      console.log(setup.output.split('\n').slice(-30).join('\n'));
      continue;
    }
  }
  for (const { info, commands } of blocks) {
    if (info.startsWith('not-run')) {
      notRun += commands.length;
      for (const command of commands) console.log(`  --   ${command}\n       (${info})`);
      continue;
    }
    for (const command of commands) {
      const commandStarted = Date.now();
      const result = info === 'serves' ? await serves(command) : await run(command);
      const seconds = ((Date.now() - commandStarted) / 1000).toFixed(0);
      ran++;
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

const seconds = Math.round((Date.now() - started) / 1000);
if (process.env.TINYLLM_DOCS_COMMANDS_SUMMARY) {
  writeFileSync(
    process.env.TINYLLM_DOCS_COMMANDS_SUMMARY,
    JSON.stringify({ ran, failed: failures, notRun, seconds }),
  );
}
const counts = `${ran - failures} of ${ran} documented commands passed, ${notRun} marked not-run, in ${seconds} s`;
if (failures > 0) {
  console.error(`\n${counts}; ${failures} failed; the clone is kept in ${clone}`);
  hub.close();
  process.exit(1);
}
cleanUp();
console.log(`\n${counts}`);
process.exit(0);
