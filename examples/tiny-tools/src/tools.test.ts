import { validateToolArguments } from '@tinyllm/core';
import { describe, expect, it } from 'vitest';
import {
  calculator,
  convert_units,
  convertUnits,
  get_weather,
  roundResult,
  tinyTools,
  toolsFile,
} from './index';

const context = { toolCallId: 't', signal: new AbortController().signal };

describe('the tiny model tools', () => {
  it('match the definitions in the model folder', () => {
    expect(tinyTools.map((entry) => entry.name)).toEqual(
      toolsFile.tools.map((entry) => entry.function.name),
    );
    expect(tinyTools.map((entry) => entry.name)).toEqual([
      'calculator',
      'convert_units',
      'get_weather',
    ]);
  });

  it('calculator evaluates safely and rounds like the training data', async () => {
    expect(await calculator.execute!({ expression: '12 * (3 + 4)' }, context)).toEqual({
      result: 84,
    });
    expect(await calculator.execute!({ expression: '10 / 3' }, context)).toEqual({ result: 3.33 });
    expect(await calculator.execute!({ expression: 'require("fs")' }, context)).toEqual({
      error: 'invalid expression',
    });
  });

  it('convert_units converts within a dimension only', async () => {
    expect(convertUnits(10, 'km', 'mi')).toEqual({ result: 6.21, unit: 'mi' });
    expect(convertUnits(100, 'c', 'f')).toEqual({ result: 212, unit: 'f' });
    expect(convertUnits(1, 'kg', 'km')).toEqual({ error: 'invalid units' });
    expect(await convert_units.execute!({ value: 2, from: 'gal', to: 'l' }, context)).toEqual({
      result: 7.57,
      unit: 'l',
    });
    await expect(
      validateToolArguments(convert_units, { value: 1, from: 'parsec', to: 'km' }),
    ).rejects.toThrow(/from/);
  });

  it('get_weather answers from the table', async () => {
    const [city, entry] = Object.entries(toolsFile.weather)[0]!;
    expect(await get_weather.execute!({ city }, context)).toEqual({ city, ...entry });
    expect(await get_weather.execute!({ city: 'Atlantis' }, context)).toEqual({
      error: 'unknown city',
    });
  });

  it('rounds to at most two decimals', () => {
    expect(roundResult(1.005)).toBe(1);
    expect(roundResult(2.675)).toBe(2.68);
    expect(String(roundResult(6.2137119))).toBe('6.21');
  });
});
