/**
 * Tools defined with other schema libraries drive the shipped tiny model through the real
 * stack (transformers adapter, chat template, Hermes parser, tool loop): a zod 3 tool
 * (`zod/v3`, converted by zod-to-json-schema) and a valibot tool (converted by
 * @valibot/to-json-schema). Their JSON Schemas reach the model's prompt and the model's
 * arguments are validated by the same schemas before the tools run.
 */
import { dirname } from 'node:path';
import { runTools, tool, toToolDefinition } from '@tinyllm/core';
import { evaluateArithmetic } from '@tinyllm/core/eval';
import { createTransformers } from '@tinyllm/providers/transformers';
import * as v from 'valibot';
import { afterAll, describe, expect, it } from 'vitest';
import { z as z3 } from 'zod/v3';
import { tinyModelDir } from './index';

const transformers = createTransformers({ modelsDir: dirname(tinyModelDir) });
const model = transformers('tiny-tool-qwen');
afterAll(() => transformers.dispose());

describe('the tiny model with tools from other schema libraries', () => {
  it('a zod 3 calculator and a valibot weather tool work in runTools', async () => {
    const calculator = tool({
      name: 'calculator',
      description: 'Evaluate an arithmetic expression.',
      parameters: z3.object({ expression: z3.string() }),
      execute: ({ expression }) => ({ result: evaluateArithmetic(expression) }),
    });
    const weather = tool({
      name: 'get_weather',
      description: 'Current weather in a city',
      parameters: v.object({ city: v.string() }),
      execute: ({ city }) => ({ city, condition: 'sunny', temperature_c: 19 }),
    });
    expect((await toToolDefinition(calculator)).parameters).toMatchObject({
      type: 'object',
      properties: { expression: { type: 'string' } },
      required: ['expression'],
    });
    expect((await toToolDefinition(weather)).parameters).toMatchObject({
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
    });

    const sum = await runTools(
      model,
      { messages: [{ role: 'user', content: 'What is 12 * 7?' }], maxOutputTokens: 64 },
      { tools: [calculator, weather] },
    );
    expect(sum.steps[0]?.toolResults[0]).toMatchObject({
      toolCall: { name: 'calculator', arguments: { expression: '12 * 7' } },
      isError: false,
    });
    expect(sum.text).toContain('84');

    const lyon = await runTools(
      model,
      { messages: [{ role: 'user', content: 'Weather in Lyon?' }], maxOutputTokens: 64 },
      { tools: [calculator, weather] },
    );
    expect(lyon.steps[0]?.toolResults[0]).toMatchObject({
      toolCall: { name: 'get_weather', arguments: { city: 'Lyon' } },
      isError: false,
    });
    expect(lyon.text).toContain('19');
  }, 180_000);
});
