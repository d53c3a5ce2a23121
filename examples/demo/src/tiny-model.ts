/**
 * The shipped tiny tool-use model as a registry entry: where it is, and its provenance and
 * evaluation metrics read from the model's own `training.json`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TinyLLMError } from '@tinyllm/core';
import type { RegisterModelInput } from '@tinyllm/registry';
import { z } from 'zod';

/** The part of `training.json` the registry records (the file holds more). */
export const trainingFileSchema = z.looseObject({
  name: z.string(),
  base_model: z.string().nullable().optional(),
  method: z.string(),
  dataset: z.looseObject({ name: z.string() }).optional(),
  date: z.string().optional(),
  parameters: z.number().optional(),
  /** Written by the evaluation run; numeric entries are the metrics. */
  eval: z.record(z.string(), z.unknown()).nullable().optional(),
  /** `pnpm eval`'s multi-turn figures: every turn of the held-out conversations scored. */
  eval_multiturn: z
    .looseObject({
      by_kind: z.record(z.string(), z.looseObject({ turn_accuracy: z.number() })).optional(),
    })
    .nullable()
    .optional(),
});
export type TrainingFile = z.infer<typeof trainingFileSchema>;

/** Reads and validates `<modelDir>/training.json`. */
export function readTrainingFile(modelDir: string): TrainingFile {
  const path = join(modelDir, 'training.json');
  if (!existsSync(join(modelDir, 'onnx', 'model.onnx'))) {
    throw new TinyLLMError({
      code: 'MODEL_NOT_FOUND',
      message: `The tiny model is missing: ${join(modelDir, 'onnx', 'model.onnx')} does not exist.`,
    });
  }
  const parsed = trainingFileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new TinyLLMError({
      code: 'INVALID_CONFIG',
      message: `${path} is not a valid training provenance file: ${parsed.error.message}`,
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/**
 * Numeric top-level metrics of `eval`, and of `eval_multiturn` prefixed `multiturn_` with each
 * kind of turn's accuracy: the names `@tinyllm/trainer`'s `evaluationRecord()` gives a model it
 * trains, so versions compare on the same keys.
 */
export function evaluationMetrics(training: TrainingFile): Record<string, number> {
  const metrics: Record<string, number> = {};
  const add = (key: string, value: unknown) => {
    if (typeof value === 'number' && Number.isFinite(value)) metrics[key] = value;
  };
  for (const [key, value] of Object.entries(training.eval ?? {})) add(key, value);
  const multi = training.eval_multiturn;
  for (const [key, value] of Object.entries(multi ?? {})) add(`multiturn_${key}`, value);
  for (const [kind, value] of Object.entries(multi?.by_kind ?? {}))
    add(`multiturn_${kind}_turn_accuracy`, value.turn_accuracy);
  return metrics;
}

/** The registry entry of the tiny model in `modelDir`. */
export function tinyModelRegistration(modelDir: string): RegisterModelInput {
  const training = readTrainingFile(modelDir);
  const evaluation = evaluationMetrics(training);
  return {
    name: training.name,
    description: `Tiny Qwen2-architecture tool-use model (${training.parameters ?? '?'} parameters) trained from scratch; calls calculator, convert_units and get_weather.`,
    provider: 'transformers',
    baseUrl: dirname(modelDir),
    modelId: training.name,
    contextLength: 1024,
    maxOutputTokens: 96,
    supportsStreaming: true,
    supportsFunctions: true,
    tags: ['tool-use', 'demo', 'local'],
    provenance: {
      trainingMethod: training.method,
      ...(training.base_model ? { baseModel: training.base_model } : {}),
      ...(training.dataset ? { trainingDataset: training.dataset.name } : {}),
      ...(training.date ? { trainingDate: training.date } : {}),
      ...(Object.keys(evaluation).length > 0 ? { evaluation } : {}),
    },
  };
}
