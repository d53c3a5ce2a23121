import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { z as z3 } from 'zod/v3';
import { jsonSchema } from '../any-schema/json-schema';
import { TinyLLMError } from '../errors';
import { createRouter } from '../router/router';
import { createScriptedModel } from '../testing/index';
import { generateObject } from './generate-object';
import { extractJsonText } from './parse-object';

const messages = [{ role: 'user' as const, content: 'Weather in Oslo as JSON' }];
const weather = z.object({ city: z.string(), temperatureC: z.number(), windy: z.boolean().default(false) });

async function rejection(promise: Promise<unknown>): Promise<TinyLLMError> {
  try {
    await promise;
  } catch (error) {
    return error as TinyLLMError;
  }
  throw new Error('expected a rejection');
}

describe('generateObject', () => {
  it('asks for JSON with the converted schema and returns the validated object', async () => {
    const model = createScriptedModel({
      script: [{ text: '{"city":"Oslo","temperatureC":-3}', usage: { inputTokens: 9, outputTokens: 7 } }],
    });
    const result = await generateObject(model, {
      messages,
      schema: weather,
      name: 'weather',
      description: 'Current weather',
      temperature: 0,
    });
    expect(result.object).toEqual({ city: 'Oslo', temperatureC: -3, windy: false });
    expect(result.text).toBe('{"city":"Oslo","temperatureC":-3}');
    expect(result.finishReason).toBe('stop');
    expect(result.usage).toMatchObject({ inputTokens: 9, outputTokens: 7 });
    expect(result.repairs).toBe(0);
    const sent = model.calls[0]!;
    expect(sent.temperature).toBe(0);
    expect(sent.responseFormat).toEqual({
      type: 'json',
      name: 'weather',
      description: 'Current weather',
      schema: {
        type: 'object',
        properties: {
          city: { type: 'string' },
          temperatureC: { type: 'number' },
          windy: { type: 'boolean', default: false },
        },
        required: ['city', 'temperatureC'],
      },
    });
  });

  it('works with zod 3, valibot and plain JSON Schema too', async () => {
    const schemas = [
      z3.object({ city: z3.string() }),
      v.object({ city: v.string() }),
      jsonSchema<{ city: string }>({
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
      }),
    ];
    for (const schema of schemas) {
      const model = createScriptedModel({ script: [{ text: '{"city":"Oslo"}' }] });
      const { object } = await generateObject(model, { messages, schema });
      expect(object).toEqual({ city: 'Oslo' });
      expect(model.calls[0]!.responseFormat).toMatchObject({
        type: 'json',
        schema: { type: 'object', required: ['city'] },
      });
    }
  });

  it('rejects invalid output with OUTPUT_INVALID carrying the text and the issues', async () => {
    const model = createScriptedModel({ script: [{ text: '{"city":"Oslo","temperatureC":"cold"}' }] });
    const error = await rejection(generateObject(model, { messages, schema: weather }));
    expect(error.code).toBe('OUTPUT_INVALID');
    expect(error.path).toBe('temperatureC');
    expect(error.details).toMatchObject({
      text: '{"city":"Oslo","temperatureC":"cold"}',
      issues: [{ path: 'temperatureC' }],
    });
  });

  it('reports text that is not JSON as OUTPUT_INVALID', async () => {
    const model = createScriptedModel({ script: [{ text: 'It is cold in Oslo.' }] });
    const error = await rejection(generateObject(model, { messages, schema: weather }));
    expect(error.code).toBe('OUTPUT_INVALID');
    expect(error.message).toMatch(/not valid JSON/);
    expect(error.details?.text).toBe('It is cold in Oslo.');
  });

  it('repairs: sends the invalid reply and its issues back, then returns the fixed object', async () => {
    const model = createScriptedModel({
      script: [{ text: '{"city":"Oslo"}' }, { text: '{"city":"Oslo","temperatureC":-3}' }],
    });
    const result = await generateObject(model, { messages, schema: weather, maxRepairs: 1 });
    expect(result.object.temperatureC).toBe(-3);
    expect(result.repairs).toBe(1);
    const repair = model.calls[1]!.messages;
    expect(repair.slice(-2)[0]).toEqual({ role: 'assistant', content: '{"city":"Oslo"}' });
    expect(repair.at(-1)?.content).toMatch(/temperatureC/);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
  });

  it('gives up after maxRepairs', async () => {
    const model = createScriptedModel({ repeat: true, script: [{ text: '{}' }] });
    const error = await rejection(generateObject(model, { messages, schema: weather, maxRepairs: 2 }));
    expect(error.code).toBe('OUTPUT_INVALID');
    expect(model.calls).toHaveLength(3);
  });

  it('runs through a router: a failing model falls back to the next', async () => {
    const down = createScriptedModel({
      script: [{ error: { code: 'PROVIDER_UNAVAILABLE', message: 'down' } }],
    });
    const backup = createScriptedModel({ script: [{ text: '{"city":"Oslo","temperatureC":1}' }] });
    const router = createRouter({
      models: { main: down, backup },
      fallbacks: { main: ['backup'] },
      retry: { maxRetries: 0 },
    });
    const result = await generateObject(router.model('main'), { messages, schema: weather });
    expect(result.object.city).toBe('Oslo');
    expect(backup.calls[0]!.responseFormat?.type).toBe('json');
  });

  it('honours the abort signal', async () => {
    const model = createScriptedModel({ script: [{ text: ['{', '}'], chunkDelayMs: 200 }] });
    const controller = new AbortController();
    const pending = generateObject(model, { messages, schema: weather, signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect((await rejection(pending)).code).toBe('ABORTED');
  });
});

describe('extractJsonText', () => {
  it('takes the JSON out of fences and sentences', () => {
    expect(extractJsonText('```json\n{"a":1}\n```')).toBe('{"a":1}');
    expect(extractJsonText('Here it is: {"a":1}. Done.')).toBe('{"a":1}');
    expect(extractJsonText('  [1,2] ')).toBe('[1,2]');
  });
});
