/**
 * `createTrainingJob()`: runs a config on a backend with progress events, cancel and resume, and
 * registers the finished model.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import {
  type TrainingConfig,
  parseConfig,
  validateConfig,
  ConfigError,
} from '@tinyllm/config-builder';
import type { ConversationMetrics, ToolUseMetrics } from '@tinyllm/core/eval';
import type { ModelRecord, SavedConfig } from '@tinyllm/registry';
import type { BackendResult, BackendRunInput, LoraSettings, TrainingBackend } from './backend';
import { type DatasetInfo, inspectDataset } from './dataset';
import { TrainerError } from './errors';
import { type RegisterOptions, registerTrainedModel, resolveBaseModel } from './register';

/** Options of {@link createTrainingJob}. */
export interface TrainingJobOptions {
  /** A config object, or the path of a config JSON file (as `tinyllm-config new -o` writes). */
  config: TrainingConfig | string;
  /** Path of the JSONL dataset. */
  dataset: string;
  backend: TrainingBackend;
  /** Folder of the finished model. Default: `training.output_dir`, else `output/<dataset name>`. */
  outputDir?: string;
  /** Folder of checkpoints, kept for resuming. Default `<outputDir>.work`. */
  workDir?: string;
  /** Continue from the newest checkpoint of `workDir`. Later `run()` calls always resume. */
  resume?: boolean;
  /** Stop after this many optimizer steps. */
  maxSteps?: number;
  /** Register the model on success. */
  register?: RegisterOptions;
}

/** Where a job is. */
export type TrainingJobStatus = 'idle' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** A progress report. */
export interface TrainingProgress {
  step: number;
  totalSteps: number;
  loss?: number;
  learningRate?: number;
  epoch?: number;
  /** Estimated seconds left, from this run's pace (or the trainer's estimate before the second step). */
  etaSeconds?: number;
  elapsedSeconds: number;
}

/** The events of a job, in order: status, then progress/log/checkpoint, then done or failed. */
export type TrainingJobEvent =
  | { type: 'status'; status: TrainingJobStatus }
  | ({ type: 'progress' } & TrainingProgress)
  | { type: 'log'; line: string; stream: 'stdout' | 'stderr' }
  | { type: 'checkpoint'; step: number; path: string }
  | { type: 'done'; result: TrainingResult }
  | { type: 'failed'; error: TrainerError };

/** What a successful job produced. */
export interface TrainingResult {
  outputDir: string;
  format: BackendResult['format'];
  steps: number;
  finalLoss?: number;
  evalLoss?: number;
  /** Wall time of the run (the last one, when resumed), in seconds. */
  trainSeconds: number;
  dataset: DatasetInfo;
  lora?: LoraSettings;
  architecture?: string;
  quantization?: string;
  /** With `register`: the new record, the saved config, the metrics and the alias set. */
  model?: ModelRecord;
  savedConfig?: SavedConfig;
  metrics?: ToolUseMetrics;
  multiTurnMetrics?: ConversationMetrics;
  alias?: string;
}

/** A training job. */
export interface TrainingJob {
  readonly id: string;
  readonly status: TrainingJobStatus;
  /** The newest checkpoint reported so far. */
  readonly lastCheckpoint: { step: number; path: string } | undefined;
  /** Subscribes to events; returns the unsubscribe function. Listener errors are ignored. */
  on(listener: (event: TrainingJobEvent) => void): () => void;
  /**
   * Trains (validating config and dataset first) and resolves with the result. While running,
   * returns the same promise. After a cancel or failure, runs again from the newest checkpoint.
   *
   * @throws {TrainerError} CANCELLED, TRAINING_FAILED, DATASET_INVALID, …; {ConfigError} for an invalid config.
   */
  run(): Promise<TrainingResult>;
  /** Stops the trainer; it saves a checkpoint first when it can. `run()` rejects with CANCELLED. */
  cancel(): void;
}

async function loadConfig(config: TrainingConfig | string): Promise<TrainingConfig> {
  if (typeof config !== 'string') {
    const validation = validateConfig(config);
    if (!validation.valid)
      throw new ConfigError({ issues: validation.errors, warnings: validation.warnings });
    return config;
  }
  let text: string;
  try {
    text = await readFile(config, 'utf8');
  } catch (error) {
    throw new TrainerError({
      code: 'INVALID_OPTIONS',
      path: 'config',
      message: `Cannot read the config ${config}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`,
      cause: error,
    });
  }
  return parseConfig(text).config;
}

/**
 * Creates a training job. Nothing runs until `run()`.
 *
 * @example
 * ```ts
 * const job = createTrainingJob({ config: 'config.json', dataset: 'train.jsonl', backend: createLocalBackend() });
 * job.on((event) => { if (event.type === 'progress') console.log(event.step, event.totalSteps, event.loss); });
 * const result = await job.run();
 * ```
 */
export function createTrainingJob(options: TrainingJobOptions): TrainingJob {
  const id = randomUUID();
  const listeners = new Set<(event: TrainingJobEvent) => void>();
  let status: TrainingJobStatus = 'idle';
  let running: Promise<TrainingResult> | undefined;
  let controller: AbortController | undefined;
  let lastCheckpoint: { step: number; path: string } | undefined;
  let runs = 0;

  const emit = (event: TrainingJobEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // A listener's bug must not stop training.
      }
    }
  };
  const setStatus = (next: TrainingJobStatus) => {
    status = next;
    emit({ type: 'status', status: next });
  };

  async function execute(signal: AbortSignal): Promise<TrainingResult> {
    const config = await loadConfig(options.config);
    const dataset = await inspectDataset(resolve(options.dataset), config.training.method);
    const outputDir = resolve(
      options.outputDir ??
        config.training.output_dir ??
        `output/${basename(dataset.name, '.jsonl')}`,
    );
    const workDir = resolve(options.workDir ?? `${outputDir}.work`);
    await mkdir(workDir, { recursive: true });
    const input: BackendRunInput = {
      config,
      datasetPath: dataset.path,
      outputDir,
      workDir,
      resume: options.resume === true || runs > 1,
      ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }),
    };
    await options.backend.check(input);
    if (options.register !== undefined) await checkBaseModel(options.register, config);
    const started = performance.now();
    let firstStep: { step: number; at: number } | undefined;
    const result = await options.backend.run(input, {
      signal,
      emit(event) {
        if (event.type === 'progress') {
          const now = performance.now();
          firstStep ??= { step: event.step - 1, at: started };
          const done = event.step - firstStep.step;
          const pace = done > 0 ? (now - firstStep.at) / 1000 / done : undefined;
          const etaSeconds =
            pace !== undefined && done >= 2
              ? pace * (event.totalSteps - event.step)
              : event.etaSeconds;
          emit({
            ...event,
            elapsedSeconds: (now - started) / 1000,
            ...(etaSeconds === undefined ? {} : { etaSeconds: Math.max(0, etaSeconds) }),
          });
        } else {
          if (event.type === 'checkpoint') lastCheckpoint = { step: event.step, path: event.path };
          emit(event);
        }
      },
    });
    const trainSeconds = (performance.now() - started) / 1000;
    const trained: TrainingResult = {
      outputDir: result.outputDir,
      format: result.format,
      steps: result.steps,
      trainSeconds,
      dataset,
      ...(result.finalLoss === undefined ? {} : { finalLoss: result.finalLoss }),
      ...(result.evalLoss === undefined ? {} : { evalLoss: result.evalLoss }),
      ...(result.lora === undefined ? {} : { lora: result.lora }),
      ...(result.architecture === undefined ? {} : { architecture: result.architecture }),
      ...(result.quantization === undefined ? {} : { quantization: result.quantization }),
    };
    if (options.register === undefined) return trained;
    emit({ type: 'log', line: `registering ${options.register.name}`, stream: 'stdout' });
    const registration = await registerTrainedModel({
      options: options.register,
      config,
      result,
      dataset,
      trainedAt: new Date(),
    });
    return { ...trained, ...registration };
  }

  return {
    id,
    get status() {
      return status;
    },
    get lastCheckpoint() {
      return lastCheckpoint;
    },
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    run() {
      if (running !== undefined) return running;
      runs += 1;
      controller = new AbortController();
      const signal = controller.signal;
      setStatus('running');
      running = execute(signal).then(
        (result) => {
          running = undefined;
          setStatus('succeeded');
          emit({ type: 'done', result });
          return result;
        },
        (error: unknown) => {
          running = undefined;
          const failure = TrainerError.isInstance(error)
            ? error
            : ConfigError.isInstance(error)
              ? error
              : new TrainerError({
                  code: 'TRAINING_FAILED',
                  message: (error as Error).message,
                  cause: error,
                });
          const cancelled =
            signal.aborted || (TrainerError.isInstance(failure) && failure.code === 'CANCELLED');
          const reported =
            cancelled && !(TrainerError.isInstance(failure) && failure.code === 'CANCELLED')
              ? new TrainerError({
                  code: 'CANCELLED',
                  message: 'Training was cancelled; run the job again to resume.',
                  cause: failure,
                })
              : failure;
          setStatus(cancelled ? 'cancelled' : 'failed');
          if (TrainerError.isInstance(reported)) emit({ type: 'failed', error: reported });
          throw reported;
        },
      );
      return running;
    },
    cancel() {
      controller?.abort();
    },
  };
}

/** A `baseModel` the registration could not link is an error before training, not after it. */
async function checkBaseModel(register: RegisterOptions, config: TrainingConfig): Promise<void> {
  try {
    await resolveBaseModel(register, config, { registerFolder: false });
  } catch (error) {
    throw new TrainerError({
      code: 'INVALID_OPTIONS',
      path: 'register.baseModel',
      message: `The base model "${register.baseModel}" cannot be linked: ${(error as Error).message} Register it first, or train its local folder of that name.`,
      cause: error,
    });
  }
}
