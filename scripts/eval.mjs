#!/usr/bin/env node
// `pnpm eval`: evaluates the shipped tiny tool-use model on its held-out set through the
// project's own stack (the transformers provider, the tool loop, @tinyllm/core/eval) with the
// real tools, and prints the metrics table and the failures. Run after building the packages
// and @tinyllm/example-tools (the root `eval` script does both).
//
//   node scripts/eval.mjs [--model-dir models/tiny-tool-qwen] [--limit N] [--json results.json]
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
// The root package depends on no workspace package, so load their builds by path; each
// resolves its own dependencies from its folder.
const load = (path) => import(pathToFileURL(join(root, path)).href);
const { evaluateToolUse, formatToolUseMetrics, parseToolUseCases } = await load(
  'packages/core/dist/eval/index.js',
);
const { createTransformers } = await load('packages/providers/dist/transformers/index.js');
const { tinyTools } = await load('examples/tiny-tools/dist/index.js');

const { values } = parseArgs({
  options: {
    'model-dir': { type: 'string', default: join(root, 'models/tiny-tool-qwen') },
    limit: { type: 'string' },
    json: { type: 'string' },
    'max-output-tokens': { type: 'string', default: '64' },
  },
});
const modelDir = resolve(values['model-dir']);
// The training script writes `"arguments": null, "match": null` for cases that expect no tool,
// where the case schema of @tinyllm/core/eval wants the keys left out; drop the nulls.
const jsonl = readFileSync(join(modelDir, 'eval/heldout.jsonl'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => {
    const testCase = JSON.parse(line);
    for (const key of ['arguments', 'match']) {
      if (testCase.expected?.[key] === null) delete testCase.expected[key];
    }
    return JSON.stringify(testCase);
  })
  .join('\n');
let cases = parseToolUseCases(jsonl);
if (values.limit) cases = cases.slice(0, Number(values.limit));

const transformers = createTransformers({ modelsDir: dirname(modelDir) });
const model = transformers(basename(modelDir));
const loadStarted = performance.now();
await model.load();
console.log(`loaded ${basename(modelDir)} in ${Math.round(performance.now() - loadStarted)} ms`);
console.log(
  `evaluating ${cases.length} held-out cases with ${tinyTools.map((tool) => tool.name).join(', ')}`,
);

const started = performance.now();
const { metrics, results } = await evaluateToolUse(model, cases, {
  tools: tinyTools,
  maxOutputTokens: Number(values['max-output-tokens']),
  onCase: (_result, index, total) => {
    if ((index + 1) % 25 === 0 || index + 1 === total)
      process.stdout.write(`  ${index + 1}/${total}\n`);
  },
});
await transformers.dispose();

console.log(`\n${formatToolUseMetrics(metrics)}`);
console.log(`wall time ${((performance.now() - started) / 1000).toFixed(1)} s`);

const byId = new Map(cases.map((testCase) => [testCase.id, testCase]));
const failures = results.filter(
  (result) =>
    result.error !== undefined ||
    !result.toolCorrect ||
    (result.expectedTool !== null && !result.argumentsCorrect) ||
    result.answerCorrect === false,
);
console.log(`\nfailures: ${failures.length}`);
for (const failure of failures) {
  const prompt = byId.get(failure.id)?.messages.at(-1)?.content;
  const called = failure.calledTool
    ? `${failure.calledTool}(${JSON.stringify(failure.calledArguments ?? {})})`
    : 'no tool';
  console.log(
    `  ${failure.id}  "${prompt}"  expected ${failure.expectedTool ?? 'no tool'}, got ${called}` +
      (failure.error ? `  ${failure.error.code}: ${failure.error.message}` : '') +
      `  → ${JSON.stringify(failure.answer.slice(0, 80))}`,
  );
}
if (values.json) {
  writeFileSync(values.json, `${JSON.stringify({ metrics, failures }, null, 2)}\n`);
  console.log(`\nwrote ${values.json}`);
}
