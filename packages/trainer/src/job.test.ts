import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, getTemplate, type TrainingConfig } from '@tinyllm/config-builder';
import { createMemoryStorage, createRegistry } from '@tinyllm/registry';
import { describe, expect, it } from 'vitest';
import type { BackendRunInput, TrainingBackend } from './backend';
import { TrainerError } from './errors';
import { createTrainingJob, type TrainingJobEvent } from './job';
import { modelsTrainedWith } from './register';
import { tempDir } from '../test/temp-dir';

const root = tempDir('tinyllm-job-');
const sft = join(root, 'sft.jsonl');
writeFileSync(
  sft,
  `${[1, 2, 3]
    .map((n) =>
      JSON.stringify({
        messages: [
          { role: 'user', content: `hi ${n}` },
          { role: 'assistant', content: 'Hello!' },
        ],
      }),
    )
    .join('\n')}\n`,
);
const config: TrainingConfig = getTemplate('sft_toolbench').config;

// A backend that runs in memory: N steps, a checkpoint every 2, cancellable, resumable. The
// job's own logic (events, ETA, status, resume flag, registration) is what is under test here;
// the real backends pass the shared conformance suite.
function memoryBackend(steps = 6) {
  const inputs: BackendRunInput[] = [];
  let checkpoint = 0;
  const backend: TrainingBackend = {
    name: 'memory',
    async check() {},
    async run(input, context) {
      inputs.push(input);
      const start = input.resume ? checkpoint : 0;
      for (let step = start + 1; step <= steps; step++) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (context.signal.aborted)
          throw new TrainerError({ code: 'CANCELLED', message: 'cancelled' });
        context.emit({
          type: 'progress',
          step,
          totalSteps: steps,
          loss: 1 / step,
          learningRate: 1e-4,
          etaSeconds: 99,
        });
        if (step % 2 === 0) {
          checkpoint = step;
          context.emit({
            type: 'checkpoint',
            step,
            path: `${input.workDir}/checkpoint-${step}.pt`,
          });
        }
      }
      return {
        outputDir: input.outputDir,
        format: 'onnx',
        steps,
        finalLoss: 1 / steps,
        architecture: 'Qwen2ForCausalLM',
        quantization: 'fp32',
        lora: { r: 8, alpha: 32, dropout: 0.05, targetModules: ['q_proj', 'v_proj'] },
      };
    },
  };
  return { backend, inputs };
}

describe('createTrainingJob', () => {
  it('emits status, progress with elapsed time and ETA, checkpoints, then done', async () => {
    const { backend, inputs } = memoryBackend();
    const job = createTrainingJob({
      config,
      dataset: sft,
      backend,
      outputDir: join(root, 'out-a'),
    });
    const events: TrainingJobEvent[] = [];
    job.on((event) => events.push(event));
    job.on(() => {
      throw new Error('a listener bug');
    });
    expect(job.status).toBe('idle');
    const result = await job.run();
    expect(job.status).toBe('succeeded');
    expect(events[0]).toEqual({ type: 'status', status: 'running' });
    expect(events.at(-2)).toEqual({ type: 'status', status: 'succeeded' });
    expect(events.at(-1)).toMatchObject({ type: 'done', result: { steps: 6 } });
    const progress = events.filter((event) => event.type === 'progress');
    expect(progress.map((event) => event.step)).toEqual([1, 2, 3, 4, 5, 6]);
    // The first step has only the trainer's estimate; from the second the job's own pace.
    expect(progress[0]!.etaSeconds).toBe(99);
    expect(progress[3]!.etaSeconds).toBeLessThan(5);
    expect(progress.at(-1)!.etaSeconds).toBe(0);
    expect(progress.at(-1)!.elapsedSeconds).toBeGreaterThan(0);
    expect(job.lastCheckpoint).toEqual({
      step: 6,
      path: expect.stringContaining('checkpoint-6.pt'),
    });
    expect(result.dataset).toMatchObject({
      name: 'sft.jsonl',
      lines: 3,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(inputs[0]).toMatchObject({
      resume: false,
      outputDir: join(root, 'out-a'),
      workDir: join(root, 'out-a.work'),
    });
  });

  it('cancel rejects with CANCELLED; run() again resumes from the last checkpoint', async () => {
    const { backend, inputs } = memoryBackend(10);
    const job = createTrainingJob({
      config,
      dataset: sft,
      backend,
      outputDir: join(root, 'out-b'),
    });
    job.on((event) => {
      if (event.type === 'checkpoint' && event.step === 4) job.cancel();
    });
    const error = await job.run().catch((caught: unknown) => caught);
    expect(TrainerError.isInstance(error) && error.code).toBe('CANCELLED');
    expect(job.status).toBe('cancelled');
    const steps: number[] = [];
    job.on((event) => {
      if (event.type === 'progress') steps.push(event.step);
    });
    const result = await job.run();
    expect(inputs.map((input) => input.resume)).toEqual([false, true]);
    expect(steps[0]).toBe(5);
    expect(result.steps).toBe(10);
  });

  it('run() while running returns the same promise', async () => {
    const { backend, inputs } = memoryBackend(2);
    const job = createTrainingJob({
      config,
      dataset: sft,
      backend,
      outputDir: join(root, 'out-c'),
    });
    const first = job.run();
    expect(job.run()).toBe(first);
    await first;
    expect(inputs).toHaveLength(1);
  });

  it('rejects an invalid config with ConfigError and a bad dataset line with DATASET_INVALID', async () => {
    const { backend, inputs } = memoryBackend();
    const bad = { ...config, training: { ...config.training, batch_size: 0 } };
    await expect(createTrainingJob({ config: bad, dataset: sft, backend }).run()).rejects.toSatisfy(
      ConfigError.isInstance,
    );
    const broken = join(root, 'broken.jsonl');
    writeFileSync(
      broken,
      `${JSON.stringify({ messages: [{ role: 'user', content: 'x' }] })}\n{"messages": "hi"}\n`,
    );
    const error = (await createTrainingJob({ config, dataset: broken, backend })
      .run()
      .catch((caught: unknown) => caught)) as TrainerError;
    expect(error.code).toBe('DATASET_INVALID');
    expect(error.message).toContain(`${broken}:2: messages`);
    const dpo = (await createTrainingJob({
      config: getTemplate('dpo_basic').config,
      dataset: sft,
      backend,
    })
      .run()
      .catch((caught: unknown) => caught)) as TrainerError;
    expect(dpo.message).toContain(':1: chosen');
    const flag = join(root, 'train-flag.jsonl');
    const assistant = { role: 'assistant', content: 'Hi!', train: 'no' };
    writeFileSync(flag, JSON.stringify({ messages: [{ role: 'user', content: 'x' }, assistant] }));
    const flagError = (await createTrainingJob({ config, dataset: flag, backend })
      .run()
      .catch((caught: unknown) => caught)) as TrainerError;
    expect(flagError.code).toBe('DATASET_INVALID');
    expect(flagError.message).toContain(`${flag}:1: messages.1.train`);
    expect(inputs).toHaveLength(0);
  });

  it('registers the model with provenance, the saved config linked both ways, and lineage', async () => {
    const registry = createRegistry({ storage: createMemoryStorage() });
    const base = await registry.models.register({
      name: 'tiny-tool-qwen',
      provider: 'transformers',
      baseUrl: 'models',
      modelId: 'tiny-tool-qwen',
    });
    const { backend } = memoryBackend(2);
    const job = createTrainingJob({
      config,
      dataset: sft,
      backend,
      outputDir: join(root, 'models', 'tiny-tools-ft'),
      register: {
        registry,
        name: 'tiny-tools-ft',
        baseModel: 'tiny-tool-qwen',
        family: 'tiny-tools',
      },
    });
    const result = await job.run();
    const record = await registry.models.get('tiny-tools-ft');
    expect(result.model?.id).toBe(record.id);
    expect(record).toMatchObject({
      provider: 'transformers',
      baseUrl: join(root, 'models'),
      modelId: 'tiny-tools-ft',
    });
    expect(record.provenance).toMatchObject({
      trainingMethod: 'sft',
      baseModel: 'tiny-tool-qwen',
      fineTunedFrom: base.id,
      trainingDataset: `sft.jsonl@sha256:${result.dataset.sha256}`,
      lora: { r: 8, alpha: 32, dropout: 0.05, targetModules: ['q_proj', 'v_proj'] },
      evaluation: { train_loss: 0.5 },
    });
    const saved = await registry.configs.get('tiny-tools-ft-config');
    expect(saved).toMatchObject({ config, timesUsed: 1, valid: true });
    expect(record.provenance).toMatchObject({
      trainingConfigId: saved.id,
      architecture: 'Qwen2ForCausalLM',
      quantization: 'fp32',
    });
    expect((await modelsTrainedWith(registry, saved.id)).map((model) => model.id)).toEqual([
      record.id,
    ]);
    expect(result.alias).toBe('tiny-tools@candidate');
    expect((await registry.aliases.resolve('tiny-tools@candidate')).id).toBe(record.id);
    expect((await registry.models.lineage(record.id)).ancestors.map((model) => model.id)).toEqual([
      base.id,
    ]);
  });

  it('a base model the registry cannot link fails before training, naming the option', async () => {
    const registry = createRegistry({ storage: createMemoryStorage() });
    const { backend, inputs } = memoryBackend(2);
    const error = (await createTrainingJob({
      config,
      dataset: sft,
      backend,
      outputDir: join(root, 'out-d'),
      register: { registry, name: 'x', baseModel: 'no-such-base' },
    })
      .run()
      .catch((caught: unknown) => caught)) as TrainerError;
    expect([error.code, error.path]).toEqual(['INVALID_OPTIONS', 'register.baseModel']);
    expect(error.message).toContain('"no-such-base"');
    expect(inputs).toHaveLength(0);
  });

  it('a missing base model is registered from the local model folder of that name', async () => {
    const folder = join(root, 'models', 'tiny-base');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'config.json'), '{}');
    const registry = createRegistry({ storage: createMemoryStorage() });
    const { backend } = memoryBackend(2);
    const result = await createTrainingJob({
      config: { ...config, model: { name: folder } },
      dataset: sft,
      backend,
      outputDir: join(root, 'models', 'tiny-base-ft'),
      register: { registry, name: 'tiny-base-ft', baseModel: 'tiny-base' },
    }).run();
    const base = await registry.models.get('tiny-base');
    expect(base).toMatchObject({
      provider: 'transformers',
      baseUrl: join(root, 'models'),
      modelId: 'tiny-base',
    });
    expect(result.model?.provenance).toMatchObject({ fineTunedFrom: base.id });
  });

  it('a registration failure keeps the model folder and says where it is', async () => {
    const registry = createRegistry({ storage: createMemoryStorage() });
    const { backend } = memoryBackend(2);
    const failing = {
      ...registry,
      models: {
        ...registry.models,
        register: () => Promise.reject(new Error('the storage refused the write')),
      },
    };
    const error = (await createTrainingJob({
      config,
      dataset: sft,
      backend,
      outputDir: join(root, 'out-d'),
      register: { registry: failing, name: 'x' },
    })
      .run()
      .catch((caught: unknown) => caught)) as TrainerError;
    expect(error.code).toBe('REGISTRATION_FAILED');
    expect(error.message).toContain(`trained into ${join(root, 'out-d')}`);
    expect(error.message).toContain('the storage refused the write');
  });
});
