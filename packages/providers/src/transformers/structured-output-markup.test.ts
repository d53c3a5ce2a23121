/**
 * A constrained JSON reply is content, not markup: a string value that spells `<tool_call>` or
 * `<think>` must come back inside the JSON text, on `chat()` and `stream()` alike. Before the
 * fix (d4a3945) the reply went through the Hermes tool-call and reasoning parser, which cut the
 * text at the tag. `const` makes the shipped model write exactly these strings.
 */
import type { ChatRequest } from '@tinyllm/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createTransformers } from './index';
import { fixtureModelId, modelsDir } from './test-fixture';

const transformers = createTransformers({ modelsDir });
const model = transformers(fixtureModelId);
afterAll(() => transformers.dispose());

const schema = {
  type: 'object',
  properties: {
    call: { const: '<tool_call>{"name": "x"}' },
    thought: { const: '<think>' },
  },
  required: ['call', 'thought'],
  additionalProperties: false,
};
const expected = { call: '<tool_call>{"name": "x"}', thought: '<think>' };
const request: ChatRequest = {
  messages: [{ role: 'user', content: 'Answer in JSON.' }],
  responseFormat: { type: 'json', schema },
  maxOutputTokens: 64,
};

describe('transformers: markup inside a constrained JSON reply', () => {
  it('chat() returns the whole JSON text, tags included, and no tool call', async () => {
    const response = await model.chat(request);
    expect(JSON.parse(response.text)).toEqual(expected);
    expect(response.toolCalls ?? []).toEqual([]);
    expect(response.reasoning ?? '').toBe('');
  });

  it('stream() delivers the same text as text deltas only', async () => {
    let text = '';
    const kinds = new Set<string>();
    for await (const event of model.stream(request)) {
      kinds.add(event.type);
      if (event.type === 'text-delta') text += event.text;
    }
    expect(JSON.parse(text)).toEqual(expected);
    expect(kinds.has('tool-call')).toBe(false);
    expect(kinds.has('reasoning-delta')).toBe(false);
  });
});
