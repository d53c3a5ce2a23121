/**
 * The local backend: the repo's PyTorch trainer (training/finetune.py) fine-tunes a local
 * tiny-architecture model folder on the CPU, merges LoRA and exports an ONNX folder the
 * transformers provider loads. Hub models (Qwen/Qwen3-0.6B, …) are for the command backend.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { BackendResult, BackendRunInput, TrainingBackend } from '../../backend';
import { TrainerError } from '../../errors';
import { runProcess } from '../child-process';
import { parseFinetuneLine } from './events';

const run = promisify(execFile);

/** Settings of {@link createLocalBackend}. */
export interface LocalBackendSettings {
  /** Python with PyTorch and ONNX. Default: `TINYLLM_PYTHON`, else /usr/bin/python3 (Debian's python3-torch), else python3. */
  python?: string;
  /** Folder holding finetune.py and the model code. Default: `TINYLLM_TRAINING_DIR`, else the nearest `training/` above the working directory. */
  trainingDir?: string;
  /** Torch threads. Default 1 (training must leave a core free). */
  threads?: number;
  /** Checkpoint every this many optimizer steps. Default 10. */
  saveEvery?: number;
  /** Train from random weights with the base folder's architecture and tokenizer. */
  fromScratch?: boolean;
  /** Environment of the trainer process. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
}

const hubIdPattern = /^[A-Za-z0-9][\w.-]*\/[\w.-]+$/;

/** Where training/finetune.py is, or undefined. */
export function findTrainingDir(start = process.cwd()): string | undefined {
  const fromEnvironment = process.env['TINYLLM_TRAINING_DIR'];
  if (fromEnvironment && existsSync(join(fromEnvironment, 'finetune.py')))
    return resolve(fromEnvironment);
  for (let directory = resolve(start); ; directory = dirname(directory)) {
    if (existsSync(join(directory, 'training', 'finetune.py'))) return join(directory, 'training');
    if (dirname(directory) === directory) return undefined;
  }
}

function defaultPython(): string {
  const fromEnvironment = process.env['TINYLLM_PYTHON'];
  if (fromEnvironment) return fromEnvironment;
  return existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
}

/**
 * Whether `python` can import torch and onnx; the reason when not. Used by the backend's check
 * and by tests that need real training.
 */
export async function checkPythonTraining(
  python = defaultPython(),
): Promise<{ ok: true; torch: string } | { ok: false; reason: string }> {
  try {
    // Importing torch takes seconds, minutes on a loaded machine.
    const { stdout } = await run(python, ['-c', 'import torch, onnx; print(torch.__version__)'], {
      timeout: 600_000,
    });
    return { ok: true, torch: stdout.trim() };
  } catch (error) {
    const failure = error as { stderr?: string; killed?: boolean; code?: string };
    const detail = failure.killed
      ? 'timed out'
      : failure.code === 'ENOENT'
        ? 'not found'
        : failure.stderr?.trim().split('\n').at(-1) || (error as Error).message;
    return {
      ok: false,
      reason: `${python} cannot import torch and onnx (${detail}). On Debian/Ubuntu: apt-get install python3-torch python3-onnx libopenblas0-pthread; or set TINYLLM_PYTHON.`,
    };
  }
}

/**
 * Creates the local PyTorch backend.
 *
 * @example
 * ```ts
 * const job = createTrainingJob({ config, dataset: 'data/train.jsonl', backend: createLocalBackend() });
 * ```
 */
export function createLocalBackend(settings: LocalBackendSettings = {}): TrainingBackend {
  const python = settings.python ?? defaultPython();
  let pythonChecked: Promise<void> | undefined;

  function trainingDir(): string {
    const directory = settings.trainingDir ?? findTrainingDir();
    if (directory === undefined || !existsSync(join(directory, 'finetune.py')))
      throw new TrainerError({
        code: 'INVALID_OPTIONS',
        path: 'trainingDir',
        message: `training/finetune.py not found${settings.trainingDir ? ` in ${settings.trainingDir}` : ' above the working directory'}; pass trainingDir or set TINYLLM_TRAINING_DIR to the tinyllm repo's training/ folder.`,
      });
    return directory;
  }

  return {
    name: 'local',
    async check(input: BackendRunInput) {
      const { config } = input;
      const base = config.model.name;
      if (!existsSync(join(base, 'config.json')) || !existsSync(join(base, 'onnx', 'model.onnx'))) {
        const hub = hubIdPattern.test(base) && !existsSync(base);
        throw new TrainerError({
          code: 'BASE_MODEL_NOT_LOCAL',
          path: 'model.name',
          message: hub
            ? `model.name "${base}" is a Hub model; the local backend fine-tunes local tiny model folders (e.g. models/tiny-tool-qwen) on the CPU. Train Hub models with the command backend: tinyllm-config export --format axolotl|llama-factory|trl, then createCommandBackend({ export: ..., command: [...] }) (tinyllm-train run --backend command).`
            : `model.name "${base}" is not a model folder with config.json and onnx/model.onnx.`,
        });
      }
      if (config.training.method === 'rlhf')
        throw new TrainerError({
          code: 'UNSUPPORTED_CONFIG',
          path: 'training.method',
          message:
            'The local backend trains sft and dpo; for rlhf use the command backend with a trainer that has a reward model.',
        });
      if (config.model.load_in_4bit === true)
        throw new TrainerError({
          code: 'UNSUPPORTED_CONFIG',
          path: 'model.load_in_4bit',
          message:
            'QLoRA (model.load_in_4bit) needs CUDA bitsandbytes; the local backend trains plain LoRA on the CPU. Set it to false, or use the command backend on a GPU.',
        });
      trainingDir();
      pythonChecked ??= checkPythonTraining(python).then((result) => {
        if (!result.ok)
          throw new TrainerError({
            code: 'PYTHON_UNAVAILABLE',
            path: 'python',
            message: result.reason,
          });
      });
      pythonChecked.catch(() => {
        pythonChecked = undefined;
      });
      await pythonChecked;
    },

    async run(input, context): Promise<BackendResult> {
      const args = [
        join(trainingDir(), 'finetune.py'),
        '--config',
        join(input.workDir, 'config.json'),
        '--dataset',
        input.datasetPath,
        '--out',
        input.outputDir,
        '--work-dir',
        input.workDir,
        '--threads',
        String(settings.threads ?? 1),
        '--save-every',
        String(settings.saveEvery ?? 10),
        ...(input.resume ? ['--resume'] : []),
        ...(input.maxSteps === undefined ? [] : ['--max-steps', String(input.maxSteps)]),
        ...(settings.fromScratch ? ['--from-scratch'] : []),
      ];
      const { mkdir, writeFile } = await import('node:fs/promises');
      await mkdir(input.workDir, { recursive: true });
      await writeFile(join(input.workDir, 'config.json'), JSON.stringify(input.config, null, 2));
      let done: Record<string, unknown> | undefined;
      let failure: { code: string; message: string } | undefined;
      const exit = await runProcess({
        command: python,
        args,
        env: {
          ...(settings.env ?? process.env),
          OMP_NUM_THREADS: String(settings.threads ?? 1),
          PYTHONUNBUFFERED: '1',
        },
        signal: context.signal,
        onLine(line, stream) {
          const event = stream === 'stdout' ? parseFinetuneLine(line) : undefined;
          if (event === undefined) {
            context.emit({ type: 'log', line, stream });
            return;
          }
          switch (event.event) {
            case 'progress':
              context.emit({
                type: 'progress',
                step: event.step,
                totalSteps: event.total,
                loss: event.loss,
                learningRate: event.lr,
                epoch: event.epoch,
                etaSeconds: event.eta_seconds,
              });
              break;
            case 'checkpoint':
              context.emit({ type: 'checkpoint', step: event.step, path: event.path });
              break;
            case 'log':
              context.emit({ type: 'log', line: event.message, stream: 'stdout' });
              break;
            case 'start':
              context.emit({
                type: 'log',
                line: `training ${event.train_samples} samples for ${event.total_steps} steps (${event.trainable_parameters} of ${event.total_parameters} parameters trainable)${event.start_step > 0 ? `, resuming at step ${event.start_step}` : ''}`,
                stream: 'stdout',
              });
              break;
            case 'error':
              failure = { code: event.code, message: event.message };
              break;
            case 'done':
              done = event;
              break;
            case 'cancelled':
              break;
          }
        },
      });
      if (exit.aborted)
        throw new TrainerError({
          code: 'CANCELLED',
          message: 'Training was cancelled; run the job again to resume from the last checkpoint.',
        });
      if (failure !== undefined)
        throw new TrainerError({
          code:
            failure.code === 'DATASET_INVALID'
              ? 'DATASET_INVALID'
              : failure.code === 'BASE_MODEL_NOT_LOCAL'
                ? 'BASE_MODEL_NOT_LOCAL'
                : 'TRAINING_FAILED',
          message: failure.message,
          output: exit.tail,
        });
      if (exit.code !== 0 || done === undefined)
        throw new TrainerError({
          code: 'TRAINING_FAILED',
          message: `finetune.py exited with ${exit.code ?? exit.signal}: ${exit.tail.split('\n').slice(-3).join(' | ')}`,
          output: exit.tail,
        });
      const lora = done['lora'] as {
        r: number;
        alpha: number;
        dropout: number;
        targetModules: string[];
      } | null;
      return {
        outputDir: String(done['out']),
        format: 'onnx',
        steps: Number(done['steps']),
        ...(typeof done['final_loss'] === 'number' ? { finalLoss: done['final_loss'] } : {}),
        ...(typeof done['eval_loss'] === 'number' ? { evalLoss: done['eval_loss'] } : {}),
        architecture: String(done['architecture']),
        quantization: String(done['quantization']),
        ...(lora === null ? {} : { lora }),
      };
    },
  };
}
