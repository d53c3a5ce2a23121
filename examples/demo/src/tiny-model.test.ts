import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TinyLLMError } from '@tinyllm/core';
import { afterEach, describe, expect, it } from 'vitest';
import { tinyModelRegistration } from './tiny-model';

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A model folder with `training.json` and, unless told otherwise, an ONNX file. */
function modelFolder(training: unknown, withOnnx = true): string {
  const root = mkdtempSync(join(tmpdir(), 'tinyllm-tiny-model-'));
  folders.push(root);
  const dir = join(root, 'tiny-tool-qwen');
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(join(dir, 'training.json'), JSON.stringify(training));
  if (withOnnx) writeFileSync(join(dir, 'onnx', 'model.onnx'), 'onnx');
  return dir;
}

const training = {
  name: 'tiny-tool-qwen',
  base_model: null,
  method: 'sft',
  dataset: { name: 'tinyllm-synthetic-tool-use-v1', seed: 1 },
  date: '2026-11-21T23:59:00Z',
  parameters: 919680,
  eval: {
    cases: 250,
    tool_accuracy: 0.96,
    answer_accuracy: 0.9,
    by_tool: { calculator: { tool_accuracy: 1 } },
    runtime: 'onnxruntime-node',
  },
};

describe('tinyModelRegistration', () => {
  it('maps training.json to a transformers record with provenance and numeric metrics', () => {
    const dir = modelFolder(training);
    expect(tinyModelRegistration(dir)).toMatchObject({
      name: 'tiny-tool-qwen',
      provider: 'transformers',
      baseUrl: join(dir, '..'),
      modelId: 'tiny-tool-qwen',
      supportsFunctions: true,
      provenance: {
        trainingMethod: 'sft',
        trainingDataset: 'tinyllm-synthetic-tool-use-v1',
        trainingDate: '2026-11-21T23:59:00Z',
        // Nested breakdowns and text stay in the file; the registry stores numbers.
        evaluation: { cases: 250, tool_accuracy: 0.96, answer_accuracy: 0.9 },
      },
    });
    expect(tinyModelRegistration(dir).provenance).not.toHaveProperty('baseModel');
  });

  it("records the multi-turn figures prefixed multiturn_, each kind's accuracy included", () => {
    const dir = modelFolder({
      ...training,
      eval_multiturn: {
        set: 'eval/heldout-multiturn.jsonl',
        turns: 569,
        turn_accuracy: 0.9473,
        by_kind: { first: { turns: 160, turn_accuracy: 1 }, 'follow-up': { turn_accuracy: 0.8 } },
      },
    });
    const { evaluation } = tinyModelRegistration(dir).provenance!;
    expect(evaluation).toEqual({
      cases: 250,
      tool_accuracy: 0.96,
      answer_accuracy: 0.9,
      multiturn_turns: 569,
      multiturn_turn_accuracy: 0.9473,
      multiturn_first_turn_accuracy: 1,
      'multiturn_follow-up_turn_accuracy': 0.8,
    });
  });

  it('leaves evaluation out before the model was evaluated', () => {
    const registration = tinyModelRegistration(modelFolder({ ...training, eval: null }));
    expect(registration.provenance).not.toHaveProperty('evaluation');
  });

  it('says MODEL_NOT_FOUND when the ONNX weights are missing', () => {
    const dir = modelFolder(training, false);
    expect(() => tinyModelRegistration(dir)).toThrowError(
      expect.objectContaining({ code: 'MODEL_NOT_FOUND' }) as TinyLLMError,
    );
  });

  it('says INVALID_CONFIG for a training.json without a method', () => {
    const dir = modelFolder({ name: 'tiny-tool-qwen' });
    expect(() => tinyModelRegistration(dir)).toThrowError(
      expect.objectContaining({ code: 'INVALID_CONFIG' }) as TinyLLMError,
    );
  });
});
