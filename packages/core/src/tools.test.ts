import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TinyLLMError } from './errors';
import { jsonSchemaToZod, tool, toToolDefinition, validateToolArguments } from './tools';

describe('tool()', () => {
  it('converts a zod schema to JSON Schema for the model', () => {
    const weather = tool({
      name: 'get_weather',
      description: 'Weather in a city',
      parameters: z.object({
        city: z.string().describe('City name'),
        unit: z.enum(['c', 'f']).default('c'),
      }),
      execute: ({ city, unit }) => `${city} ${unit}`,
    });
    expect(toToolDefinition(weather)).toEqual({
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

  it('validates arguments against a zod schema and applies defaults', () => {
    const weather = tool({
      name: 'w',
      parameters: z.object({ city: z.string(), days: z.number().int().default(1) }),
    });
    expect(validateToolArguments(weather, { city: 'Paris' })).toEqual({ city: 'Paris', days: 1 });
    try {
      validateToolArguments(weather, { city: 3 });
      expect.unreachable();
    } catch (error) {
      expect(TinyLLMError.hasCode(error, 'INVALID_TOOL_ARGUMENTS')).toBe(true);
      expect((error as TinyLLMError).path).toBe('city');
      expect((error as TinyLLMError).message).toContain('"w"');
    }
  });

  it('validates arguments against a JSON Schema', () => {
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
    expect(validateToolArguments(convert, { value: 3, from: 'km', to: 'mi' })).toEqual({
      value: 3,
      from: 'km',
      to: 'mi',
    });
    const error = (() => {
      try {
        validateToolArguments(convert, { value: 3, from: 'parsec', to: 'mi' });
      } catch (caught) {
        return caught as TinyLLMError;
      }
    })();
    expect(error?.code).toBe('INVALID_TOOL_ARGUMENTS');
    expect(error?.path).toBe('from');
    expect(() => validateToolArguments(convert, { from: 'km', to: 'mi' })).toThrow(/value/);
  });

  it('keeps the JSON Schema as given', () => {
    const schema = { type: 'object', properties: { q: { type: 'string' } } };
    expect(tool({ name: 'search', parameters: schema }).parameters).toBe(schema);
  });

  it('reports an unusable JSON Schema as INVALID_REQUEST', () => {
    expect(() => jsonSchemaToZod({ type: 'not-a-type' }, 'bad')).toThrow(TinyLLMError);
  });
});
