import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getTemplate } from '@tinyllm/config-builder';
import { describe, expect, it } from 'vitest';
import type { BackendEvent } from '../../backend';
import { TrainerError } from '../../errors';
import { describeBackendConformance } from '../conformance';
import { createCommandBackend } from './index';
import { tempDir } from '../../../test/temp-dir';

const here = dirname(fileURLToPath(import.meta.url));
const fakeTrainer = join(here, '../../../test/fixtures/fake-hf-trainer.mjs');
const dataset = join(tempDir('tinyllm-command-data-'), 'train.jsonl');
writeFileSync(
  dataset,
  `${JSON.stringify({
    messages: [
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello!' },
    ],
  })}\n`,
);
const config = getTemplate('sft_toolbench').config;

for (const format of ['axolotl', 'llama-factory', 'trl'] as const) {
  describeBackendConformance(`command (${format} file)`, {
    createBackend: () =>
      createCommandBackend({
        export: format,
        command: [process.execPath, fakeTrainer, '{file}', '{output}'],
      }),
    config,
    dataset,
    steps: 6,
    timeoutMs: 20_000,
  });
}

describe('command backend', () => {
  const run = async (args: string[], extra: { steps?: number } = {}) => {
    const root = tempDir('tinyllm-command-');
    const events: BackendEvent[] = [];
    const backend = createCommandBackend({
      export: 'axolotl',
      command: [process.execPath, fakeTrainer, '{file}', '{output}', ...args],
    });
    const result = await backend.run(
      {
        config,
        datasetPath: dataset,
        outputDir: join(root, 'model'),
        workDir: root,
        resume: false,
        ...(extra.steps === undefined ? {} : { maxSteps: extra.steps }),
      },
      { signal: new AbortController().signal, emit: (event) => events.push(event) },
    );
    return { root, events, result };
  };

  it('reports loss, learning rate and epoch from the log dicts with the bar steps; train and eval loss at the end', async () => {
    const { events, result, root } = await run([], { steps: 4 });
    const progress = events.filter((event) => event.type === 'progress');
    expect(progress.at(-1)).toMatchObject({
      type: 'progress',
      step: 4,
      totalSteps: 4,
      loss: 0.4,
      learningRate: 0,
      epoch: 1,
    });
    expect(
      progress.some((event) => event.type === 'progress' && event.etaSeconds !== undefined),
    ).toBe(true);
    expect(result).toMatchObject({
      steps: 4,
      finalLoss: 0.7654,
      evalLoss: 0.4321,
      format: 'hf',
      lora: { r: 8, alpha: 32 },
    });
    // The trainer read the exported axolotl file, with the job's output folder in it.
    const written = readFileSync(join(root, 'axolotl.yaml'), 'utf8');
    expect(written).toContain(`output_dir: ${join(root, 'model')}`);
    expect(written).toContain(`path: ${dataset}`);
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'log', line: expect.stringContaining('Running training') }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'log',
        stream: 'stderr',
        line: expect.stringContaining('export: data.strategy has no axolotl equivalent'),
      }),
    );
  });

  it('a failing trainer rejects with TRAINING_FAILED carrying its last output', async () => {
    const error = await run(['--fail-at', '3']).catch((caught: unknown) => caught);
    expect(TrainerError.isInstance(error)).toBe(true);
    expect((error as TrainerError).code).toBe('TRAINING_FAILED');
    expect((error as TrainerError).message).toContain('CUDA out of memory');
  });

  it('a missing program is INVALID_OPTIONS naming it', async () => {
    const backend = createCommandBackend({ command: ['definitely-not-a-trainer-xyz', '{file}'] });
    const root = tempDir('tinyllm-command-');
    const error = await backend
      .run(
        { config, datasetPath: dataset, outputDir: join(root, 'm'), workDir: root, resume: false },
        { signal: new AbortController().signal, emit: () => {} },
      )
      .catch((caught: unknown) => caught);
    expect((error as TrainerError).code).toBe('INVALID_OPTIONS');
    expect((error as TrainerError).message).toContain('definitely-not-a-trainer-xyz');
    expect(() => createCommandBackend({ command: [] })).toThrow(/command must name a program/);
  });

  it('resumes the exported file from the newest checkpoint folder', async () => {
    const root = tempDir('tinyllm-command-');
    const output = join(root, 'model');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(output, 'checkpoint-2'), { recursive: true });
    mkdirSync(join(output, 'checkpoint-10'), { recursive: true });
    const backend = createCommandBackend({
      export: 'trl',
      command: [process.execPath, fakeTrainer, '{file}', '{output}', '--steps', '12'],
    });
    const events: BackendEvent[] = [];
    await backend.run(
      { config, datasetPath: dataset, outputDir: output, workDir: root, resume: true },
      { signal: new AbortController().signal, emit: (event) => events.push(event) },
    );
    expect(readFileSync(join(root, 'train_trl.py'), 'utf8')).toContain(
      `trainer.train(resume_from_checkpoint=${JSON.stringify(join(output, 'checkpoint-10'))})`,
    );
    expect(events.find((event) => event.type === 'progress')).toMatchObject({ step: 11 });
    expect(existsSync(join(output, 'model.safetensors'))).toBe(true);
  });
});
