import { describe, expect, it } from 'vitest';
import { templateConfig } from './__fixtures__/configs';
import { diffConfigs } from './diff';
import type { TrainingConfig } from './schema';

const diff = (a: unknown, b: unknown) => diffConfigs(a as TrainingConfig, b as TrainingConfig);

describe('diffConfigs', () => {
  it('is empty for equal configs, whatever their key order', () => {
    const a = templateConfig('dpo_basic');
    const b = JSON.parse(JSON.stringify(a, Object.keys(a).reverse()));
    expect(diff(a, structuredClone(a))).toEqual([]);
    expect(diff(a, { ...b, ...a })).toEqual([]);
  });

  it('lists changed, added and removed fields with before/after, in framework order', () => {
    const a = templateConfig('sft_toolbench');
    const b = templateConfig('sft_toolbench');
    b.training.lora_r = 16;
    delete b.training.warmup_steps;
    b.data.custom_flag = true;
    b.tensorboard.enabled = false;
    b.model.torch_dtype = 'bfloat16';
    expect(diff(a, b)).toEqual([
      { kind: 'changed', path: 'model.torch_dtype', before: 'float16', after: 'bfloat16' },
      { kind: 'removed', path: 'training.warmup_steps', before: 100 },
      { kind: 'changed', path: 'training.lora_r', before: 8, after: 16 },
      { kind: 'added', path: 'data.custom_flag', after: true },
      { kind: 'changed', path: 'tensorboard.enabled', before: true, after: false },
    ]);
  });

  it('compares lists item by item and whole sections when one side lacks them', () => {
    const a = templateConfig('sft_pc_building');
    const b = templateConfig('sft_pc_building');
    b.tools[1].description = 'changed';
    b.tools.push({ name: 'third', description: '', type: 'function' });
    delete b.evaluation;
    expect(diff(a, b)).toEqual([
      {
        kind: 'changed',
        path: 'tools[1].description',
        before: a.tools[1].description,
        after: 'changed',
      },
      {
        kind: 'added',
        path: 'tools[2]',
        after: { name: 'third', description: '', type: 'function' },
      },
      { kind: 'removed', path: 'evaluation', before: a.evaluation },
    ]);
  });

  it('reports a type change as one change', () => {
    expect(diff({ seed: 1 }, { seed: { value: 1 } })).toEqual([
      { kind: 'changed', path: 'seed', before: 1, after: { value: 1 } },
    ]);
  });
});
