/**
 * The shipped tiny model end to end, through the project's own stack: the transformers
 * adapter, the chat template in the model folder, the Hermes parser, the tool loop and these
 * tools, run for real. If the model, its template, its tokenizer or the parser broke, these
 * cases would fail; `pnpm eval` runs the whole held-out set.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { runTools, tool } from '@tinyllm/core';
import { evaluateArithmetic, evaluateToolUse, parseToolUseCases } from '@tinyllm/core/eval';
import { createTransformers } from '@tinyllm/providers/transformers';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tinyModelDir, tinyTools } from './index';

const transformers = createTransformers({ modelsDir: dirname(tinyModelDir) });
const model = transformers('tiny-tool-qwen');
afterAll(() => transformers.dispose());

const jsonl = readFileSync(`${tinyModelDir}/eval/heldout.jsonl`, 'utf8');
const heldOut = parseToolUseCases(jsonl);
// `novelPhrasing` is the training script's own field, outside the case schema.
const novel = new Set(
  jsonl
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { id: string; novelPhrasing?: boolean })
    .filter((line) => line.novelPhrasing === true)
    .map((line) => line.id),
);

// Picked by rule, not by result: for each expected tool (and for none), the first case in the
// file with a phrasing seen in training and the first with a phrasing never used in training,
// and the first question about a city outside the weather table (its name has to be copied).
const unknownCity = heldOut.find(
  (testCase) =>
    testCase.expected.tool === 'get_weather' &&
    testCase.expected.answerIncludes?.includes(String(testCase.expected.arguments?.['city'])),
);
const picked = [
  ...['calculator', 'convert_units', 'get_weather', null].flatMap((name) =>
    [false, true].map((isNovel) =>
      heldOut.find(
        (testCase) => testCase.expected.tool === name && novel.has(testCase.id) === isNovel,
      ),
    ),
  ),
  unknownCity,
];

describe('the shipped tiny model, end to end', () => {
  it('passes held-out cases: the right tool, its arguments, and an answer from its result', async () => {
    const cases = picked.filter((testCase) => testCase !== undefined);
    expect(cases).toHaveLength(9);
    const { metrics, results } = await evaluateToolUse(model, cases, {
      tools: tinyTools,
      maxOutputTokens: 64,
    });
    for (const result of results) {
      expect(result.error, result.id).toBeUndefined();
      expect(result.toolCorrect, result.id).toBe(true);
      if (result.expectedTool !== null) expect(result.argumentsCorrect, result.id).toBe(true);
      expect(result.answerCorrect, result.id).not.toBe(false);
    }
    expect(metrics).toMatchObject({
      tool_accuracy: 1,
      argument_accuracy: 1,
      answer_accuracy: 1,
      no_tool_accuracy: 1,
      errors: 0,
    });
  }, 60_000);

  it('uses tools an app defines in its own words, and only those', async () => {
    // The README's calculator: zod parameters, no parameter description, no other tool.
    const calculator = tool({
      name: 'calculator',
      description: 'Evaluate an arithmetic expression.',
      parameters: z.object({ expression: z.string() }),
      execute: ({ expression }) => ({ result: evaluateArithmetic(expression) }),
    });
    const sum = await runTools(
      model,
      { messages: [{ role: 'user', content: 'What is 12 * 7?' }], maxOutputTokens: 64 },
      { tools: [calculator] },
    );
    expect(sum.steps[0]?.response.toolCalls[0]).toMatchObject({
      name: 'calculator',
      arguments: { expression: '12 * 7' },
    });
    expect(sum.text).toContain('84');

    const weather = tool({
      name: 'get_weather',
      description: 'Current weather in a city',
      parameters: z.object({ city: z.string() }),
      execute: () => ({ city: 'Lyon', condition: 'sunny', temperature_c: 19 }),
    });
    const lyon = await runTools(
      model,
      { messages: [{ role: 'user', content: 'Weather in Lyon?' }], maxOutputTokens: 64 },
      { tools: [weather] },
    );
    expect(lyon.steps[0]?.response.toolCalls[0]).toMatchObject({
      name: 'get_weather',
      arguments: { city: 'Lyon' },
    });
    expect(lyon.text).toContain('19');

    // Only those: with the calculator alone, a weather question must not call get_weather.
    const paris = await runTools(
      model,
      {
        messages: [{ role: 'user', content: "what's the weather in Paris?" }],
        maxOutputTokens: 64,
      },
      { tools: [calculator] },
    );
    expect(paris.steps.flatMap((step) => step.response.toolCalls)).toEqual([]);
    expect(paris.text.trim().length).toBeGreaterThan(0);
  }, 60_000);

  it('answers in plain text when it is given no tools', async () => {
    for (const content of ['hi', 'what is 3 + 4?']) {
      const response = await model.chat({
        messages: [{ role: 'user', content }],
        maxOutputTokens: 64,
      });
      expect(response.toolCalls, content).toEqual([]);
      expect(response.invalidToolCalls, content).toEqual([]);
      expect(response.text, content).not.toContain('tool_call');
      expect(response.text.trim().length, content).toBeGreaterThan(0);
    }
  }, 60_000);
});
