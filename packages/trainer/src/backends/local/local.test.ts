import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getTemplate, type TrainingConfig } from '@tinyllm/config-builder';
import { describe, expect, it } from 'vitest';
import { provisionPython } from '../../../test/python';
import type { BackendRunInput } from '../../backend';
import { TrainerError } from '../../errors';
import { describeBackendConformance } from '../conformance';
import { createLocalBackend, findTrainingDir } from './index';
import { tempDir } from '../../../test/temp-dir';

const repo = resolve(import.meta.dirname, '../../../../..');
const tinyModel = join(repo, 'models/tiny-tool-qwen');
const root = tempDir('tinyllm-local-');

const config: TrainingConfig = {
  model: { name: tinyModel },
  tokenizer: { name: tinyModel },
  training: {
    method: 'sft',
    num_epochs: 1,
    learning_rate: 1e-4,
    batch_size: 2,
    max_length: 1024,
    use_lora: true,
    lora_r: 4,
    lora_alpha: 8,
  },
  data: { strategy: 'custom' },
  seed: 7,
};

const input = (overrides: Partial<TrainingConfig>): BackendRunInput => ({
  config: { ...config, ...overrides },
  datasetPath: join(root, 'none.jsonl'),
  outputDir: join(root, 'out'),
  workDir: root,
  resume: false,
});

describe('local backend check', () => {
  const backend = createLocalBackend();

  it('a Hub base model is BASE_MODEL_NOT_LOCAL pointing to the command backend', async () => {
    const error = (await backend
      .check(input({ model: getTemplate('sft_toolbench').config.model }))
      .catch((caught: unknown) => caught)) as TrainerError;
    expect(TrainerError.isInstance(error)).toBe(true);
    expect(error.code).toBe('BASE_MODEL_NOT_LOCAL');
    expect(error.path).toBe('model.name');
    expect(error.message).toContain('"Qwen/Qwen3-0.6B" is a Hub model');
    expect(error.message).toContain('command backend');
    const folder = (await backend
      .check(input({ model: { name: root } }))
      .catch((caught: unknown) => caught)) as TrainerError;
    expect(folder.message).toContain('is not a model folder with config.json and onnx/model.onnx');
  });

  it('rlhf and 4-bit loading are UNSUPPORTED_CONFIG naming the field', async () => {
    const rlhf = (await backend
      .check(input({ training: { ...config.training, method: 'rlhf' } }))
      .catch((caught: unknown) => caught)) as TrainerError;
    expect([rlhf.code, rlhf.path]).toEqual(['UNSUPPORTED_CONFIG', 'training.method']);
    const qlora = (await backend
      .check(input({ model: { name: tinyModel, load_in_4bit: true } }))
      .catch((caught: unknown) => caught)) as TrainerError;
    expect([qlora.code, qlora.path]).toEqual(['UNSUPPORTED_CONFIG', 'model.load_in_4bit']);
  });

  it('a Python without torch is PYTHON_UNAVAILABLE with the packages to install', async () => {
    const error = (await createLocalBackend({ python: process.execPath })
      .check(input({}))
      .catch((caught: unknown) => caught)) as TrainerError;
    expect(error.code).toBe('PYTHON_UNAVAILABLE');
    expect(error.message).toContain(
      'apt-get install python3-torch python3-onnx libopenblas0-pthread',
    );
  });

  it('finds training/finetune.py above the working directory', async () => {
    expect(findTrainingDir()).toBe(join(repo, 'training'));
    await expect(() =>
      createLocalBackend({ trainingDir: root }).run(input({}), {
        signal: new AbortController().signal,
        emit() {},
      }),
    ).rejects.toThrow(/finetune.py not found/);
  });
});

const python = await provisionPython();
if (!python.ok)
  console.warn(`Skipping the real-training tests of the local backend: ${python.reason}`);

describe.skipIf(!python.ok)(
  'local backend (real PyTorch training; skipped only when python3-torch cannot be provisioned)',
  () => {
    const dataset = join(root, 'train.jsonl');
    if (python.ok)
      writeFileSync(
        dataset,
        execFileSync(
          '/usr/bin/python3',
          [join(repo, 'training/make_finetune_data.py'), '--n', '8', '--seed', '5'],
          { encoding: 'utf8' },
        ),
      );
    describeBackendConformance('local', {
      createBackend: () => createLocalBackend({ saveEvery: 2 }),
      config,
      dataset,
      steps: 4,
      timeoutMs: 300_000,
    });

    it('an assistant message with train: false is context: a line of only such messages has nothing to learn', async () => {
      const contextOnly = join(root, 'context-only.jsonl');
      const messages = [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'Hello!', train: false },
      ];
      writeFileSync(contextOnly, JSON.stringify({ messages }));
      const run: BackendRunInput = {
        config,
        datasetPath: contextOnly,
        outputDir: join(root, 'context-out'),
        workDir: join(root, 'context-work'),
        resume: false,
        maxSteps: 1,
      };
      const error = (await createLocalBackend()
        .run(run, { signal: new AbortController().signal, emit() {} })
        .catch((caught: unknown) => caught)) as TrainerError;
      expect(error.code).toBe('DATASET_INVALID');
      expect(error.message).toContain('context-only.jsonl:1');
      expect(error.message).toContain('no assistant message to learn from');
    }, 300_000);

    it('trains DPO: the first loss is ln 2 (LoRA starts as the reference), then it falls', async () => {
      const pairs = [
        ['hi', 'Hello! How can I help?', 'Goodbye.'],
        ['thanks', 'You are welcome!', 'Go away.'],
        ['hello', 'Hello! How can I help?', 'Goodbye.'],
        ['thank you', 'You are welcome!', 'Go away.'],
      ];
      const dpoDataset = join(root, 'dpo.jsonl');
      writeFileSync(
        dpoDataset,
        [...pairs, ...pairs]
          .map(([user, chosen, rejected]) =>
            JSON.stringify({ messages: [{ role: 'user', content: user }], chosen, rejected }),
          )
          .join('\n'),
      );
      const run: BackendRunInput = {
        config: {
          ...config,
          training: { ...config.training, method: 'dpo', learning_rate: 1e-3, max_length: 512 },
        },
        datasetPath: dpoDataset,
        outputDir: join(root, 'dpo-out'),
        workDir: join(root, 'dpo-work'),
        resume: false,
        maxSteps: 4,
      };
      const losses: number[] = [];
      const backend = createLocalBackend();
      await backend.check(run);
      const result = await backend.run(run, {
        signal: new AbortController().signal,
        emit(event) {
          if (event.type === 'progress' && event.loss !== undefined) losses.push(event.loss);
        },
      });
      expect(result.steps).toBe(4);
      expect(losses).toHaveLength(4);
      expect(losses[0]).toBeCloseTo(Math.LN2, 3);
      expect(losses.at(-1)!).toBeLessThan(losses[0]!);
      expect(existsSync(join(run.outputDir, 'onnx/model.onnx'))).toBe(true);
    }, 300_000);
  },
);
