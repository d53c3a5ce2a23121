/**
 * The conformance suite every training backend passes: progress events, an output folder,
 * cancel with a checkpoint, and a resume that continues from it. Each backend's test calls
 * `describeBackendConformance()` with its factory and a small config and dataset.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TrainingConfig } from '@tinyllm/config-builder';
import { afterAll, describe, expect, it } from 'vitest';
import type { BackendEvent, BackendRunInput, TrainingBackend } from '../backend';
import { TrainerError } from '../errors';

/** What the suite needs from a backend's test. */
export interface BackendConformanceSetup {
  createBackend(): TrainingBackend;
  config: TrainingConfig;
  dataset: string;
  /** Optimizer steps of a full run (kept small). */
  steps: number;
  /** Per-test timeout. */
  timeoutMs: number;
}

async function collect(backend: TrainingBackend, input: BackendRunInput, cancelAtStep?: number) {
  const events: BackendEvent[] = [];
  const controller = new AbortController();
  const result = backend
    .run(input, {
      signal: controller.signal,
      emit(event) {
        events.push(event);
        if (cancelAtStep !== undefined && event.type === 'checkpoint' && event.step >= cancelAtStep)
          controller.abort();
      },
    })
    .then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
  return { events, outcome: await result };
}

/** Runs the shared backend tests. */
export function describeBackendConformance(name: string, setup: BackendConformanceSetup): void {
  describe(`${name} backend conformance`, () => {
    const root = mkdtempSync(join(tmpdir(), `tinyllm-${name}-`));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const input = (folder: string, resume = false): BackendRunInput => ({
      config: setup.config,
      datasetPath: setup.dataset,
      outputDir: join(root, folder, 'model'),
      workDir: join(root, folder, 'work'),
      resume,
      maxSteps: setup.steps,
    });

    it(
      'trains: monotonic progress up to the total, then a model folder',
      async () => {
        const backend = setup.createBackend();
        // No mkdir: a backend creates its work folder (the job does too, but backends are public).
        const run = input('full');
        await backend.check(run);
        const { events, outcome } = await collect(backend, run);
        if (!outcome.ok) throw outcome.error;
        const progress = events.filter((event) => event.type === 'progress');
        expect(progress.length).toBeGreaterThanOrEqual(setup.steps);
        const steps = progress.map((event) => event.step);
        expect(steps).toEqual([...steps].sort((a, b) => a - b));
        const last = progress.at(-1)!;
        expect(last).toMatchObject({ step: setup.steps, totalSteps: setup.steps });
        expect(typeof last.loss).toBe('number');
        expect(typeof last.learningRate).toBe('number');
        expect(outcome.value.steps).toBe(setup.steps);
        expect(outcome.value.outputDir).toBe(run.outputDir);
        expect(existsSync(join(run.outputDir, 'config.json'))).toBe(true);
      },
      setup.timeoutMs,
    );

    it(
      'cancel stops at a checkpoint with CANCELLED; resume continues after it and finishes',
      async () => {
        const backend = setup.createBackend();
        const run = input('resumed');
        const first = await collect(backend, run, 2);
        expect(first.outcome.ok).toBe(false);
        const error = (first.outcome as { error: unknown }).error;
        expect(TrainerError.isInstance(error) && error.code).toBe('CANCELLED');
        const checkpoints = first.events.filter((event) => event.type === 'checkpoint');
        expect(checkpoints.length).toBeGreaterThan(0);
        expect(existsSync(join(run.outputDir, 'config.json'))).toBe(false);
        const lastCheckpoint = checkpoints.at(-1)!.step;

        const second = await collect(backend, { ...run, resume: true });
        if (!second.outcome.ok) throw second.outcome.error;
        const progress = second.events.filter((event) => event.type === 'progress');
        expect(progress[0]!.step).toBeGreaterThan(lastCheckpoint);
        expect(progress.at(-1)!.step).toBe(setup.steps);
        expect(existsSync(join(run.outputDir, 'config.json'))).toBe(true);
      },
      setup.timeoutMs * 2,
    );
  });
}
