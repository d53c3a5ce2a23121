import { describe, expect, it } from 'vitest';
import { cleanConfig, templateConfig } from './__fixtures__/configs';
import { findKnownModel, knownModels } from './known-models';
import {
  countLoraParameters,
  countParameters,
  estimateMemory,
  optimizerBytesPerParameter,
} from './memory';
import type { TrainingConfig } from './schema';

const qwen3 = knownModels['Qwen/Qwen3-0.6B']!;
const gib = 1024 ** 3;
// biome-ignore lint/suspicious/noExplicitAny: fixtures are mutable untyped copies
const estimate = (config: Record<string, any>, options = {}) =>
  estimateMemory(config as TrainingConfig, options)!;

describe('parameter counts', () => {
  it('Qwen3-0.6B has about 0.6B parameters, 0.44B outside the embeddings', () => {
    const total = countParameters(qwen3);
    expect(total / 1e9).toBeCloseTo(0.596, 2);
    expect((total - qwen3.vocabSize * qwen3.hiddenSize) / 1e9).toBeCloseTo(0.44, 2);
  });

  it('every known model is within 5 % of its advertised size', () => {
    const advertised: Record<string, number> = {
      'Qwen/Qwen3-0.6B': 0.6e9,
      'Qwen/Qwen3-1.7B': 1.7e9,
      'Qwen/Qwen2.5-0.5B-Instruct': 0.49e9,
      'Qwen/Qwen2.5-1.5B-Instruct': 1.54e9,
      'meta-llama/Llama-3.2-1B-Instruct': 1.24e9,
      'HuggingFaceTB/SmolLM2-360M-Instruct': 0.362e9,
    };
    for (const [id, size] of Object.entries(advertised)) {
      const ratio = countParameters(knownModels[id]!) / size;
      expect([id, Math.abs(ratio - 1) < 0.05]).toEqual([id, true]);
    }
  });

  it('LoRA on all seven projections: r × layers × (7h + 2q + 2kv + 3I)', () => {
    expect(countLoraParameters(qwen3, 8)).toBe(
      8 * 28 * (7 * 1024 + 2 * 2048 + 2 * 1024 + 3 * 3072),
    );
    expect(countLoraParameters(qwen3, 16)).toBe(2 * countLoraParameters(qwen3, 8));
  });

  it('optimizer bytes per parameter', () => {
    expect(optimizerBytesPerParameter('adamw_torch')).toBe(8);
    expect(optimizerBytesPerParameter('paged_adamw_8bit')).toBe(2);
    expect(optimizerBytesPerParameter('adamw_bnb_8bit')).toBe(2);
    expect(optimizerBytesPerParameter('adafactor')).toBe(1);
    expect(optimizerBytesPerParameter('sgd')).toBe(4);
    expect(optimizerBytesPerParameter('paged_lion_8bit')).toBe(1);
    expect(optimizerBytesPerParameter('something_new')).toBe(8);
  });
});

describe('findKnownModel', () => {
  it('matches hub ids, base/instruct variants and local paths, case-insensitively', () => {
    expect(findKnownModel('Qwen/Qwen3-0.6B')?.id).toBe('Qwen/Qwen3-0.6B');
    expect(findKnownModel('Qwen/Qwen3-0.6B-Base')?.id).toBe('Qwen/Qwen3-0.6B');
    expect(findKnownModel('./models/qwen3-0.6b/')?.id).toBe('Qwen/Qwen3-0.6B');
    expect(findKnownModel('Qwen/Qwen2.5-0.5B')?.id).toBe('Qwen/Qwen2.5-0.5B-Instruct');
    expect(findKnownModel('acme/unknown')).toBeUndefined();
  });
});

describe('estimateMemory', () => {
  it('returns undefined for unknown models, unless an architecture is given', () => {
    const config = cleanConfig();
    config.model.name = 'acme/unknown';
    expect(estimateMemory(config as TrainingConfig)).toBeUndefined();
    expect(estimateMemory(config as TrainingConfig, { architecture: qwen3 })?.architecture).toBe(
      qwen3,
    );
  });

  it('breaks a LoRA SFT run down by the documented formula', () => {
    const config = cleanConfig(); // float16, LoRA r16, batch 2, max_length 1024, adamw_torch
    const result = estimate(config);
    const tokens = 2 * 1024;
    const total = countParameters(qwen3);
    const lora = countLoraParameters(qwen3, 16);
    const perLayer = 4 * 1024 + 3 * 2048 + 3 * 1024 + 4 * 3072;
    expect(result.trainableParameters).toBe(lora);
    expect(result.breakdown.weightsGb).toBeCloseTo((total * 2) / gib, 6);
    expect(result.breakdown.adapterWeightsGb).toBeCloseTo((lora * 4) / gib, 6);
    expect(result.breakdown.gradientsGb).toBeCloseTo((lora * 4) / gib, 6);
    expect(result.breakdown.optimizerStatesGb).toBeCloseTo((lora * 8) / gib, 6);
    expect(result.breakdown.activationsGb).toBeCloseTo((tokens * 28 * perLayer * 2) / gib, 6);
    expect(result.breakdown.logitsGb).toBeCloseTo((tokens * 151936 * 10) / gib, 6);
    expect(result.breakdown.extraModelsGb).toBe(0);
    expect(result.breakdown.overheadGb).toBe(0.5);
    expect(result.totalGb).toBeCloseTo(
      Object.values(result.breakdown).reduce((sum, value) => sum + value, 0),
      9,
    );
    expect(result.totalGb).toBeGreaterThan(6);
    expect(result.totalGb).toBeLessThan(8);
    expect(result.fits).toBe(true);
    expect(result.warning).toBeUndefined();
  });

  it('warns when the estimate exceeds the GPU (default 8 GB)', () => {
    const result = estimate(templateConfig('sft_toolbench'));
    expect(result.gpuMemoryGb).toBe(8);
    expect(result.fits).toBe(false);
    expect(result.warning).toMatch(/more than the 8 GB GPU/);
    expect(estimate(templateConfig('sft_toolbench'), { gpuMemoryGb: 40 }).fits).toBe(true);
  });

  it('gradient checkpointing shrinks activations to layer inputs plus one layer', () => {
    const config = templateConfig('sft_toolbench');
    const without = estimate(config);
    const withCheckpointing = estimate(config, { gradientCheckpointing: true });
    expect(withCheckpointing.breakdown.activationsGb).toBeLessThan(
      without.breakdown.activationsGb / 10,
    );
    expect(withCheckpointing.breakdown.logitsGb).toBe(without.breakdown.logitsGb);
  });

  it('full fine-tuning trains every parameter, with float32 weights doubling memory', () => {
    const config = cleanConfig();
    config.training.use_lora = false;
    const half = estimate(config);
    expect(half.trainableParameters).toBe(half.totalParameters);
    expect(half.breakdown.adapterWeightsGb).toBe(0);
    expect(half.breakdown.optimizerStatesGb).toBeCloseTo((half.totalParameters * 8) / gib, 6);
    config.model.torch_dtype = 'float32';
    const full = estimate(config);
    expect(full.breakdown.weightsGb).toBeCloseTo(2 * half.breakdown.weightsGb, 6);
    expect(full.breakdown.activationsGb).toBeCloseTo(2 * half.breakdown.activationsGb, 6);
    config.training.bf16 = true; // mixed precision computes activations in 16 bits again
    expect(estimate(config).breakdown.activationsGb).toBeCloseTo(half.breakdown.activationsGb, 6);
  });

  it('DPO doubles the sequences; without LoRA it adds a reference model', () => {
    const sft = cleanConfig();
    const dpo = cleanConfig();
    dpo.training.method = 'dpo';
    expect(estimate(dpo).breakdown.logitsGb).toBeCloseTo(2 * estimate(sft).breakdown.logitsGb, 6);
    expect(estimate(dpo).breakdown.extraModelsGb).toBe(0);
    dpo.training.use_lora = false;
    expect(estimate(dpo).breakdown.extraModelsGb).toBeCloseTo(estimate(dpo).breakdown.weightsGb, 6);
  });

  it('RLHF adds a reward model (and a reference model without LoRA)', () => {
    const config = cleanConfig();
    config.training.method = 'rlhf';
    const weights = estimate(config).breakdown.weightsGb;
    expect(estimate(config).breakdown.extraModelsGb).toBeCloseTo(weights, 6);
    config.training.use_lora = false;
    expect(estimate(config).breakdown.extraModelsGb).toBeCloseTo(2 * weights, 6);
  });

  it('8-bit optimizers need a quarter of the AdamW state', () => {
    const config = cleanConfig();
    const adamw = estimate(config).breakdown.optimizerStatesGb;
    config.training.optim = 'paged_adamw_8bit';
    expect(estimate(config).breakdown.optimizerStatesGb).toBeCloseTo(adamw / 4, 9);
  });
});
