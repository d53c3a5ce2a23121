/**
 * The tools the shipped tiny tool-use model (`models/tiny-tool-qwen`) was trained with. Their
 * definitions and the weather table come from the model's `tools.json`, so the model, the
 * demo and the eval see the same tools; the implementations mirror the training script's
 * (`training/tooldata.py`), including the number format, so tool results look exactly like
 * the ones the model learned to read.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type AnyTool, tool } from '@tinyllm/core';
import { evaluateArithmetic } from '@tinyllm/core/eval';

/** Folder of the shipped tiny tool-use model. */
export const tinyModelDir = fileURLToPath(
  new URL('../../../models/tiny-tool-qwen', import.meta.url),
);

interface ToolsFile {
  tools: Array<{
    type: 'function';
    function: { name: string; description: string; parameters: Record<string, unknown> };
  }>;
  weather: Record<string, { condition: string; temperature_c: number }>;
}

/** The model's `tools.json`: tool definitions and the weather table. */
export const toolsFile: ToolsFile = JSON.parse(readFileSync(`${tinyModelDir}/tools.json`, 'utf8'));

/** The weather table the `get_weather` tool answers from. */
export const weatherTable = toolsFile.weather;

/** `String(Math.round(x * 100) / 100)`: at most two decimals, as the training data prints numbers. */
export function roundResult(value: number): number {
  return Math.round(value * 100) / 100;
}

const toBase: Record<string, number> = {
  km: 1000,
  mi: 1609.344,
  m: 1,
  ft: 0.3048,
  kg: 1,
  lb: 0.45359237,
  l: 1,
  gal: 3.785411784,
};
const dimension: Record<string, string> = {
  km: 'length',
  mi: 'length',
  m: 'length',
  ft: 'length',
  kg: 'mass',
  lb: 'mass',
  c: 'temperature',
  f: 'temperature',
  l: 'volume',
  gal: 'volume',
};

/** Converts between the units the model knows. */
export function convertUnits(
  value: number,
  from: string,
  to: string,
): { result: number; unit: string } | { error: string } {
  if (
    !Number.isFinite(value) ||
    !dimension[from] ||
    !dimension[to] ||
    dimension[from] !== dimension[to]
  ) {
    return { error: 'invalid units' };
  }
  let result: number;
  if (from === 'c' && to === 'f') result = (value * 9) / 5 + 32;
  else if (from === 'f' && to === 'c') result = ((value - 32) * 5) / 9;
  else if (from === to) result = value;
  else result = (value * toBase[from]!) / toBase[to]!;
  return { result: roundResult(result), unit: to };
}

function definition(name: string) {
  const entry = toolsFile.tools.find((candidate) => candidate.function.name === name);
  if (!entry) throw new Error(`tools.json has no tool named ${name}`);
  return entry.function;
}

/** `calculator(expression)`: evaluates arithmetic safely (no eval). */
export const calculator = tool({
  ...definition('calculator'),
  execute: (args) => {
    const value = evaluateArithmetic(String(args.expression ?? ''));
    return value === undefined ? { error: 'invalid expression' } : { result: roundResult(value) };
  },
});

/** `convert_units(value, from, to)`. */
export const convert_units = tool({
  ...definition('convert_units'),
  execute: (args) => convertUnits(Number(args.value), String(args.from), String(args.to)),
});

/** `get_weather(city)`: answers from {@link weatherTable}. */
export const get_weather = tool({
  ...definition('get_weather'),
  execute: (args) => {
    const city = String(args.city);
    const entry = weatherTable[city];
    return entry ? { city, ...entry } : { error: 'unknown city' };
  },
});

/** All three tools, in the order of `tools.json`. */
export const tinyTools: AnyTool[] = [calculator, convert_units, get_weather];

export {
  type AnswerUsage,
  type Output,
  createLoadProgressPrinter,
  formatProgressBar,
  formatUsage,
  summarizeUsage,
} from './terminal';
export { type LoadableModel, createModelForRecord } from './models';
