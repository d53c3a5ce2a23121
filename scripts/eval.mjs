#!/usr/bin/env node
// `pnpm eval`: evaluates the shipped tiny tool-use model on its held-out sets through the
// project's own stack (the transformers provider, the tool loop, @tinyllm/core/eval) with the
// real tools: single-turn cases (eval/heldout.jsonl) and whole conversations scored turn by turn
// with the model's own replies fed back (eval/heldout-multiturn.jsonl), side by side, then the
// failures. Run after building the packages
// and @tinyllm/example-tools (the root `eval` script does both).
//
//   node scripts/eval.mjs [--model-dir models/tiny-tool-qwen] [--limit N] [--conversations N]
//                         [--only single|multi] [--constrain-tool-calls] [--json results.json]
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
// The root package depends on no workspace package, so load their builds by path; each
// resolves its own dependencies from its folder.
const load = (path) => import(pathToFileURL(join(root, path)).href);
const { evaluateConversations, evaluateToolUse, parseConversationCases, parseToolUseCases } =
  await load('packages/core/dist/eval/index.js');
const { createTransformers } = await load('packages/providers/dist/transformers/index.js');
const { tinyTools } = await load('examples/tiny-tools/dist/index.js');

const { values } = parseArgs({
  options: {
    'model-dir': { type: 'string', default: join(root, 'models/tiny-tool-qwen') },
    limit: { type: 'string' },
    conversations: { type: 'string' },
    only: { type: 'string' },
    'constrain-tool-calls': { type: 'boolean', default: false },
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
const multiPath = join(modelDir, 'eval/heldout-multiturn.jsonl');
let conversations = existsSync(multiPath)
  ? parseConversationCases(readFileSync(multiPath, 'utf8'))
  : [];
if (values.conversations) conversations = conversations.slice(0, Number(values.conversations));
if (values.only === 'multi') cases = [];
if (values.only === 'single') conversations = [];

const transformers = createTransformers({ modelsDir: dirname(modelDir) });
// The model's own tool calls, as training/verify-with-transformers.mjs scores them; with
// --constrain-tool-calls the provider's grammar-constrained tool calls (its default) are scored instead.
const model = transformers(basename(modelDir), {
  constrainToolCalls: values['constrain-tool-calls'],
});
const loadStarted = performance.now();
await model.load();
console.log(`loaded ${basename(modelDir)} in ${Math.round(performance.now() - loadStarted)} ms`);
const maxOutputTokens = Number(values['max-output-tokens']);
const progress = (done, total) => {
  if (done % 25 === 0 || done === total) process.stdout.write(`  ${done}/${total}\n`);
};

let started = performance.now();
console.log(
  `single turn: ${cases.length} held-out cases with ${tinyTools.map((tool) => tool.name).join(', ')}`,
);
const single = await evaluateToolUse(model, cases, {
  tools: tinyTools,
  maxOutputTokens,
  onCase: (_result, index, total) => progress(index + 1, total),
});
const singleSeconds = (performance.now() - started) / 1000;

const turnCount = conversations.reduce((sum, conversation) => sum + conversation.turns.length, 0);
console.log(`multi-turn: ${conversations.length} held-out conversations, ${turnCount} turns`);
started = performance.now();
let turnsDone = 0;
const multi = await evaluateConversations(model, conversations, {
  tools: tinyTools,
  maxOutputTokens,
  onTurn: () => progress(++turnsDone, turnCount),
});
const multiSeconds = (performance.now() - started) / 1000;
await transformers.dispose();

// One table, single-turn and multi-turn side by side (a dash where a metric has no counterpart).
const s = single.metrics;
const m = multi.metrics;
const f = (value, digits = 3) => (value === undefined ? '-' : value.toFixed(digits));
// A side that was not run (--only) shows dashes, not the 1.000 of an empty set.
const sf = (value, digits) => (cases.length === 0 ? '-' : f(value, digits));
const mf = (value, digits) => (conversations.length === 0 ? '-' : f(value, digits));
const rows = [
  ['metric', 'single-turn', 'multi-turn (per turn)'],
  ['cases / turns', String(s.cases), String(m.turns)],
  ['tool_accuracy', sf(s.tool_accuracy), mf(m.tool_accuracy)],
  ['argument_accuracy', sf(s.argument_accuracy), mf(m.argument_accuracy)],
  ['answer_accuracy', sf(s.answer_accuracy), mf(m.answer_accuracy)],
  ['no_tool_accuracy', sf(s.no_tool_accuracy), '-'],
  ['turn_accuracy (all right)', '-', mf(m.turn_accuracy)],
  // The turns whose earlier turns were all right: a follow-up after a wrong turn is scored
  // against the reference conversation, so it fails even when it built right on the model's
  // own answer; this row leaves those inherited failures out.
  [
    'turn_accuracy on a correct history',
    '-',
    conversations.length === 0
      ? '-'
      : `${f(m.turn_accuracy_on_correct_history)} (${m.turns_on_correct_history} turns)`,
  ],
  ['conversation_accuracy', '-', mf(m.conversation_accuracy)],
  ['latency_p50_ms', sf(s.latency_p50_ms, 1), mf(m.latency_p50_ms, 1)],
  ['latency_p95_ms', sf(s.latency_p95_ms, 1), mf(m.latency_p95_ms, 1)],
  ['tokens_per_second', sf(s.tokens_per_second, 1), mf(m.tokens_per_second, 1)],
  ['errors', String(s.errors), String(m.errors)],
  ['wall time s', singleSeconds.toFixed(1), multiSeconds.toFixed(1)],
];
const widths = [0, 1, 2].map((column) => Math.max(...rows.map((row) => row[column].length)));
console.log('');
for (const row of rows)
  console.log(row.map((cell, column) => cell.padEnd(widths[column])).join('  '));
if (conversations.length > 0) {
  console.log('\nmulti-turn by kind of turn (all turns; on a correct history):');
  for (const [kind, entry] of Object.entries(m.by_kind))
    console.log(
      `  ${kind.padEnd(16)}  ${entry.turn_accuracy.toFixed(3)}  (${entry.turns} turns);  ${entry.turn_accuracy_on_correct_history.toFixed(3)}  (${entry.turns_on_correct_history} turns)`,
    );
}

const byId = new Map(cases.map((testCase) => [testCase.id, testCase]));
const failures = single.results.filter(
  (result) =>
    result.error !== undefined ||
    !result.toolCorrect ||
    (result.expectedTool !== null && !result.argumentsCorrect) ||
    result.answerCorrect === false,
);
console.log(`\nsingle-turn failures: ${failures.length}`);
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
const conversationById = new Map(
  conversations.map((conversation) => [conversation.id, conversation]),
);
const turnFailures = multi.results.filter((result) => !result.correct);
console.log(`\nmulti-turn failures: ${turnFailures.length}`);
for (const failure of turnFailures) {
  const prompt = conversationById.get(failure.conversationId)?.turns[failure.turn]?.user;
  const called = failure.calledTool
    ? `${failure.calledTool}(${JSON.stringify(failure.calledArguments ?? {})})`
    : 'no tool';
  console.log(
    `  ${failure.conversationId}#${failure.turn + 1} [${failure.kind}${failure.historyCorrect ? '' : ', after a wrong turn'}]  "${prompt}"  expected ${failure.expectedTool ?? 'no tool'}, got ${called}` +
      (failure.error ? `  ${failure.error.code}: ${failure.error.message}` : '') +
      `  → ${JSON.stringify(failure.answer.slice(0, 80))}`,
  );
}
const metrics = s;
const multiTurn = { metrics: m, failures: turnFailures };
if (values.json) {
  writeFileSync(values.json, `${JSON.stringify({ metrics, failures, multiTurn }, null, 2)}\n`);
  console.log(`\nwrote ${values.json}`);
}
