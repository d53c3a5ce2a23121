#!/usr/bin/env node
// The consumer test: every public package (packages/*, whatever is there) packed as it would be
// published, installed with npm into a new app outside the workspace, then used as a user would:
//   1. the README's "Thirty seconds of code" sample (ESM, compiled by tsc under nodenext and run;
//      real local inference with the shipped tiny model),
//   2. require() of every export of every package from CommonJS (each exported class named as
//      it is exported),
//   3. `tsc --noEmit` of the sample and of an import of every export under moduleResolution
//      `bundler` and `nodenext`, with the workspace's TypeScript and with the newest one (what
//      `npm install typescript` gives a new app today),
//   4. each tarball carries LICENSE, README.md and package.json, and no test files or sources,
//   5. the oldest major of the transformers.js peer range (3.x, installed beside 4.x under an npm
//      alias) holds a conversation with the shipped model: tool call, answer, thanks, the prompt
//      cache reused.
// Runs after `pnpm build`, on the Node that runs it (CI runs it on each supported Node).
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'tinyllm-consumer-'));
const tarballs = join(work, 'tarballs');
const app = join(work, 'app');
mkdirSync(tarballs);
mkdirSync(app);
let failures = 0;

function check(label, fn) {
  try {
    const detail = fn();
    console.log(`  ok   ${label}${detail ? ` (${detail})` : ''}`);
  } catch (error) {
    failures++;
    console.log(`  FAIL ${label}\n${error.stdout ?? ''}${error.stderr ?? ''}${error.message}`);
  }
}

const run = (command, args, cwd, extra = {}) =>
  execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: 'pipe',
    env: { ...process.env, ...extra },
    maxBuffer: 64 * 1024 * 1024,
  });

// pnpm packs like `pnpm publish` does (workspace:^ ranges become versions). bootstrap.mjs says
// which pnpm it chose; otherwise the one on PATH.
const pnpm = process.env.TINYLLM_PNPM ? JSON.parse(process.env.TINYLLM_PNPM) : ['pnpm'];
const packages = readdirSync(join(root, 'packages'))
  .sort()
  .map((name) => join(root, 'packages', name))
  .filter((dir) => existsSync(join(dir, 'package.json')))
  .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
  .filter(({ manifest }) => !manifest.private);

console.log(`Node ${process.version}; packing ${packages.map((p) => p.manifest.name).join(', ')}`);
const files = [];
for (const { dir, manifest } of packages) {
  check(`pack ${manifest.name}`, () => {
    const before = new Set(readdirSync(tarballs));
    const [command, ...prefix] = pnpm;
    run(command, [...prefix, 'pack', '--pack-destination', tarballs], dir);
    const file = readdirSync(tarballs).find((name) => !before.has(name));
    if (!file) throw new Error('no tarball written');
    files.push(join(tarballs, file));
    const listing = run('tar', ['-tzf', join(tarballs, file)], tarballs).split('\n');
    for (const required of ['package/package.json', 'package/README.md', 'package/LICENSE']) {
      if (!listing.includes(required)) throw new Error(`${file} has no ${required.slice(8)}`);
    }
    const stray = listing.filter((name) => /\.test\.|\/src\/|__fixtures__/.test(name));
    if (stray.length > 0) throw new Error(`${file} ships ${stray.join(', ')}`);
    return `${listing.filter(Boolean).length} files`;
  });
}

// The app: outside the workspace, installed with npm from the tarballs and the registry.
const sampleBlock = /## Thirty seconds of code\s+```ts\n([\s\S]*?)```/.exec(
  readFileSync(join(root, 'README.md'), 'utf8'),
);
if (!sampleBlock) throw new Error('README.md has no "Thirty seconds of code" ts block');
writeFileSync(
  join(app, 'package.json'),
  JSON.stringify({ name: 'tinyllm-consumer', private: true, type: 'module' }, null, 2),
);
const typescript = JSON.parse(
  readFileSync(join(root, 'node_modules', 'typescript', 'package.json'), 'utf8'),
).version;
const peerRanges = new Map();
for (const { manifest } of packages) {
  for (const [name, range] of Object.entries(manifest.peerDependencies ?? {})) {
    if (!packages.some((other) => other.manifest.name === name)) peerRanges.set(name, range);
  }
}
if (peerRanges.has('pg')) peerRanges.set('@types/pg', '^8.11.0');
peerRanges.delete('@huggingface/transformers'); // installed below at the README's version
const peers = [...peerRanges].map(([name, range]) => `${name}@${range}`);
check('npm install the tarballs into a new app', () => {
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      // onnxruntime-node's script would download CUDA binaries; the CPU ones are in the package.
      '--ignore-scripts',
      ...files,
      'zod@^4.1.0',
      '@huggingface/transformers@^4.0.0',
      // The peer range's other major, for check 5 (its own onnxruntime-node comes along).
      'transformers-v3@npm:@huggingface/transformers@^3.7.0',
      `typescript@${typescript}`,
      // The newest TypeScript, under an npm alias: a new app gets it, whatever the workspace pins.
      'typescript-latest@npm:typescript@latest',
      '@types/node@^20.19.0',
      // The optional peers (SDKs behind subpath exports), so every export type-checks.
      ...peers,
    ],
    app,
  );
});
cpSync(join(root, 'models', 'tiny-tool-qwen'), join(app, 'models', 'tiny-tool-qwen'), {
  recursive: true,
});
mkdirSync(join(app, 'src'));
writeFileSync(join(app, 'src', 'sample.ts'), sampleBlock[1]);

// Every export of every package, imported for the type checks and required for the CJS check.
const specifiers = packages.flatMap(({ manifest }) =>
  Object.keys(manifest.exports ?? { '.': '' })
    .filter((subpath) => subpath !== './package.json')
    .map((subpath) => manifest.name + subpath.slice(1)),
);
writeFileSync(
  join(app, 'src', 'every-export.ts'),
  specifiers
    .map((specifier, index) => `import * as m${index} from '${specifier}';\nvoid m${index};\n`)
    .join(''),
);
writeFileSync(
  join(app, 'every-export.cjs'),
  `const specifiers = ${JSON.stringify(specifiers)};
for (const specifier of specifiers) {
  const loaded = require(specifier);
  if (Object.keys(loaded).length === 0) throw new Error(specifier + ' exports nothing');
  // A class keeps its name: loggers print error.constructor.name (pino's "type"), and a bundler
  // renames a class whose body names it ("_TinyLLMError") unless told not to.
  for (const [key, value] of Object.entries(loaded)) {
    if (typeof value !== 'function' || !/^class\b/.test(Function.prototype.toString.call(value))) continue;
    if (value.name !== key) throw new Error(specifier + ': the class exported as ' + key + ' is named ' + value.name);
  }
}
const { tool } = require('@tinyllm/core');
if (typeof tool !== 'function') throw new Error('@tinyllm/core has no tool()');
console.log(specifiers.length + ' exports');
`,
);
const compilerOptions = {
  target: 'es2022',
  // dom: the SDKs' own types (ollama) name fetch types such as HeadersInit.
  lib: ['es2022', 'dom'],
  types: ['node'],
  strict: true,
  skipLibCheck: false,
  rootDir: 'src',
};
writeFileSync(
  join(app, 'tsconfig.nodenext.json'),
  JSON.stringify({
    compilerOptions: {
      ...compilerOptions,
      module: 'nodenext',
      moduleResolution: 'nodenext',
      outDir: 'out',
    },
    include: ['src'],
  }),
);
writeFileSync(
  join(app, 'tsconfig.bundler.json'),
  JSON.stringify({
    compilerOptions: {
      ...compilerOptions,
      module: 'esnext',
      moduleResolution: 'bundler',
      noEmit: true,
    },
    include: ['src'],
  }),
);
const tsc = join(app, 'node_modules', 'typescript', 'bin', 'tsc');
check('tsc --noEmit, moduleResolution bundler', () => {
  run(process.execPath, [tsc, '-p', 'tsconfig.bundler.json'], app);
});
check('tsc, moduleResolution nodenext (then run below)', () => {
  run(process.execPath, [tsc, '-p', 'tsconfig.nodenext.json'], app);
});
const tscLatest = join(app, 'node_modules', 'typescript-latest', 'bin', 'tsc');
for (const config of ['tsconfig.bundler.json', 'tsconfig.nodenext.json']) {
  check(`newest tsc --noEmit, ${config}`, () => {
    run(process.execPath, [tscLatest, '-p', config, '--noEmit'], app);
    return run(process.execPath, [tscLatest, '--version'], app).trim();
  });
}
check('CommonJS require() of every export', () =>
  run(process.execPath, ['every-export.cjs'], app).trim(),
);
check('the README sample (ESM) answers 12 * 7', () => {
  const result = spawnSync(process.execPath, [join('out', 'sample.js')], {
    cwd: app,
    encoding: 'utf8',
    timeout: 300_000,
  });
  const output = `${result.stdout}${result.stderr}`.trim();
  if (result.status !== 0 || !/\b84\b/.test(result.stdout)) {
    throw new Error(`exit ${result.status}: ${output}`);
  }
  return JSON.stringify(result.stdout.trim());
});

// 5. transformers.js 3: the provider passes a cache in the shape each major's generate() takes.
writeFileSync(
  join(app, 'transformers-v3.mjs'),
  `import { readFileSync } from 'node:fs';
import { responseToMessage } from '@tinyllm/core';
import { createTransformers } from '@tinyllm/providers/transformers';
const { version } = JSON.parse(readFileSync('node_modules/transformers-v3/package.json', 'utf8'));
if (!version.startsWith('3.')) throw new Error('transformers-v3 is ' + version);
const provider = createTransformers({ modelsDir: 'models', importLibrary: () => import('transformers-v3') });
const model = provider('tiny-tool-qwen');
const tools = [{ name: 'calculator', description: 'Evaluate an arithmetic expression',
  parameters: { type: 'object', properties: { expression: { type: 'string' } }, required: ['expression'] } }];
const messages = [{ role: 'user', content: 'what is 12 times 7?' }];
const turn = async () => {
  const response = await model.chat({ messages, tools, temperature: 0 });
  messages.push(responseToMessage(response));
  return response;
};
const call = await turn();
if (call.toolCalls[0]?.arguments.expression !== '12 * 7') throw new Error('turn 1: ' + JSON.stringify(call.toolCalls));
messages.push({ role: 'tool', toolCallId: call.toolCalls[0].id, toolName: 'calculator', content: '{"result":84}' });
const answer = await turn();
if (!/\\b84\\b/.test(answer.text)) throw new Error('turn 2: ' + answer.text);
if (!(answer.usage.cachedInputTokens >= call.usage.inputTokens)) throw new Error('turn 2 cache: ' + JSON.stringify(answer.usage));
messages.push({ role: 'user', content: 'thank you!' });
const thanks = await turn();
if (thanks.toolCalls.length > 0 || !thanks.text) throw new Error('turn 3: ' + JSON.stringify(thanks));
await provider.dispose();
console.log(version + ': ' + JSON.stringify([answer.text, thanks.text]) + ', turn 2 reused ' + answer.usage.cachedInputTokens + ' of ' + answer.usage.inputTokens + ' prompt tokens');
`,
);
check("transformers.js 3 (the peer range's other major) holds a conversation", () => {
  const result = spawnSync(process.execPath, ['transformers-v3.mjs'], {
    cwd: app,
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (result.status !== 0)
    throw new Error(`exit ${result.status}: ${result.stdout}${result.stderr}`);
  return result.stdout.trim();
});

if (failures > 0) {
  console.error(`\n${failures} consumer check(s) failed; the app is kept in ${app}`);
  process.exit(1);
}
rmSync(work, { recursive: true, force: true });
console.log('\nall consumer checks passed');
