import { type } from 'arktype';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { z as z3 } from 'zod/v3';
import { jsonSchema } from './any-schema/json-schema';
import { TinyLLMError } from './errors';
import { tool, toToolDefinition, validateToolArguments } from './tools';

async function rejection(promise: Promise<unknown>): Promise<TinyLLMError> {
  try {
    await promise;
  } catch (error) {
    return error as TinyLLMError;
  }
  throw new Error('expected a rejection');
}

const cityJsonSchema = {
  type: 'object',
  properties: { city: { type: 'string' } },
  required: ['city'],
};

describe('tool()', () => {
  it('converts a zod schema to JSON Schema for the model', async () => {
    const weather = tool({
      name: 'get_weather',
      description: 'Weather in a city',
      parameters: z.object({
        city: z.string().describe('City name'),
        unit: z.enum(['c', 'f']).default('c'),
      }),
      execute: ({ city, unit }) => `${city} ${unit}`,
    });
    expect(await toToolDefinition(weather)).toEqual({
      name: 'get_weather',
      description: 'Weather in a city',
      parameters: {
        type: 'object',
        properties: {
          city: { type: 'string', description: 'City name' },
          unit: { type: 'string', enum: ['c', 'f'], default: 'c' },
        },
        required: ['city'],
      },
    });
  });

  it('describes zod types JSON cannot express loosely instead of failing', async () => {
    const when = tool({ name: 'when', parameters: z.object({ at: z.date() }) });
    const definition = await toToolDefinition(when);
    expect(definition.parameters).toMatchObject({ type: 'object', required: ['at'] });
  });

  it('validates arguments against a zod schema and applies defaults', async () => {
    const weather = tool({
      name: 'w',
      parameters: z.object({ city: z.string(), days: z.number().int().default(1) }),
    });
    expect(await validateToolArguments(weather, { city: 'Paris' })).toEqual({
      city: 'Paris',
      days: 1,
    });
    const error = await rejection(validateToolArguments(weather, { city: 3 }));
    expect(TinyLLMError.hasCode(error, 'INVALID_TOOL_ARGUMENTS')).toBe(true);
    expect(error.path).toBe('city');
    expect(error.message).toContain('"w"');
  });

  it('validates arguments against a JSON Schema', async () => {
    const convert = tool({
      name: 'convert_units',
      parameters: {
        type: 'object',
        properties: {
          value: { type: 'number' },
          from: { type: 'string', enum: ['km', 'mi'] },
          to: { type: 'string' },
        },
        required: ['value', 'from', 'to'],
      },
    });
    expect(await validateToolArguments(convert, { value: 3, from: 'km', to: 'mi' })).toEqual({
      value: 3,
      from: 'km',
      to: 'mi',
    });
    const error = await rejection(
      validateToolArguments(convert, { value: 3, from: 'parsec', to: 'mi' }),
    );
    expect(error.code).toBe('INVALID_TOOL_ARGUMENTS');
    expect(error.path).toBe('from');
    await expect(validateToolArguments(convert, { from: 'km', to: 'mi' })).rejects.toThrow(/value/);
  });

  it('sends a plain JSON Schema as given', async () => {
    const schema = { type: 'object', properties: { q: { type: 'string' } } };
    expect(
      (await toToolDefinition(tool({ name: 'search', parameters: schema }))).parameters,
    ).toEqual(schema);
  });

  it('reports an unusable JSON Schema as INVALID_REQUEST when it is first used', async () => {
    const bad = tool({ name: 'bad', parameters: { type: 'not-a-type' } });
    const error = await rejection(validateToolArguments(bad, {}));
    expect(error.code).toBe('INVALID_REQUEST');
  });

  it('rejects parameters that are not a schema at once', () => {
    expect(() => tool({ name: 'x', parameters: 'city' as never })).toThrow(/parameters/);
  });
});

describe('schemas from any library', () => {
  const libraries = {
    'zod 4': z.object({ city: z.string() }),
    'zod 3': z3.object({ city: z3.string() }),
    valibot: v.object({ city: v.string() }),
    arktype: type({ city: 'string' }),
    'jsonSchema()': jsonSchema<{ city: string }>(cityJsonSchema),
  } as const;

  for (const [library, parameters] of Object.entries(libraries)) {
    it(`${library}: JSON Schema for the model, validation of arguments`, async () => {
      const weather = tool({ name: 'get_weather', parameters });
      const { parameters: sent } = await toToolDefinition(weather);
      expect(sent).toMatchObject({ type: 'object', properties: { city: { type: 'string' } } });
      expect(sent.required).toEqual(['city']);
      expect(sent.$schema).toBeUndefined();
      expect(await validateToolArguments(weather, { city: 'Oslo' })).toEqual({ city: 'Oslo' });
      const error = await rejection(validateToolArguments(weather, { city: 7 }));
      expect(error.code).toBe('INVALID_TOOL_ARGUMENTS');
      expect(error.path).toBe('city');
    });
  }

  it('jsonSchema() takes a validate function of its own', async () => {
    const even = tool({
      name: 'even',
      parameters: jsonSchema<{ n: number }>(
        { type: 'object', properties: { n: { type: 'integer' } } },
        {
          validate: (value) =>
            (value as { n: number }).n % 2 === 0
              ? { value: value as { n: number } }
              : { issues: [{ message: 'odd', path: ['n'] }] },
        },
      ),
    });
    expect(await validateToolArguments(even, { n: 2 })).toEqual({ n: 2 });
    expect((await rejection(validateToolArguments(even, { n: 3 }))).message).toMatch(/at n: odd/);
  });

  it('a Standard Schema without a JSON Schema converter gets a clear error', async () => {
    const custom = {
      '~standard': { version: 1, vendor: 'homemade', validate: (value: unknown) => ({ value }) },
    } as const;
    const error = await rejection(toToolDefinition(tool({ name: 'c', parameters: custom })));
    expect(error.code).toBe('INVALID_REQUEST');
    expect(error.message).toMatch(/homemade.*jsonSchema\(/);
  });
});
