/**
 * The command backend: runs any external trainer as a child process (axolotl, LLaMA-Factory, a
 * TRL script, or a wrapper that submits a Kubernetes Job / SkyPilot task and streams its logs)
 * and turns its Hugging Face Trainer output into the same events as the local backend.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ExportFormat, exportConfig } from '@tinyllm/config-builder';
import type { BackendEvent, BackendResult, BackendRunInput, TrainingBackend } from '../../backend';
import { TrainerError } from '../../errors';
import { runProcess } from '../child-process';
import { parseHfLogLine } from './hf-log';

/** Settings of {@link createCommandBackend}. */
export interface CommandBackendSettings {
  /**
   * The command and its arguments, no shell. Placeholders: `{file}` (the exported trainer file),
   * `{config}` (the config JSON), `{dataset}`, `{output}`, `{workDir}`, `{resume}` (the newest
   * checkpoint folder, or empty).
   */
  command: readonly string[];
  /** Write the config as this trainer's file into workDir first (`{file}`), with output_dir set to the job's output folder. */
  export?: ExportFormat;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** What the trainer leaves in the output folder. Default `hf` (PyTorch/safetensors weights). */
  format?: 'onnx' | 'hf';
  /** Grace time between SIGTERM and SIGKILL on cancel. Default 30 s. */
  killAfterMs?: number;
}

/** The newest `checkpoint-N` folder in `directories`, as the Hugging Face Trainer names them. */
export async function findLatestCheckpoint(
  directories: readonly string[],
): Promise<string | undefined> {
  let best: { step: number; path: string } | undefined;
  for (const directory of directories) {
    let names: string[] = [];
    try {
      names = await readdir(directory);
    } catch {
      continue;
    }
    for (const name of names) {
      const match = /^checkpoint-(\d+)$/.exec(name);
      if (match && (best === undefined || Number(match[1]) > best.step))
        best = { step: Number(match[1]), path: join(directory, name) };
    }
  }
  return best?.path;
}

/**
 * Creates a backend that runs an external trainer.
 *
 * @example
 * ```ts
 * const backend = createCommandBackend({ export: 'axolotl', command: ['axolotl', 'train', '{file}'] });
 * ```
 */
export function createCommandBackend(settings: CommandBackendSettings): TrainingBackend {
  if (settings.command.length === 0)
    throw new TrainerError({
      code: 'INVALID_OPTIONS',
      path: 'command',
      message: 'command must name a program to run.',
    });
  return {
    name: 'command',
    async check() {},
    async run(input: BackendRunInput, context): Promise<BackendResult> {
      const resumeFrom = input.resume
        ? await findLatestCheckpoint([input.outputDir, input.workDir])
        : undefined;
      const config = {
        ...input.config,
        training: { ...input.config.training, output_dir: input.outputDir },
      };
      await mkdir(input.workDir, { recursive: true });
      const configPath = join(input.workDir, 'config.json');
      await writeFile(configPath, JSON.stringify(config, null, 2));
      let file = '';
      if (settings.export !== undefined) {
        const exported = exportConfig(config, settings.export, { datasetPath: input.datasetPath });
        file = join(input.workDir, exported.fileName);
        await writeFile(file, withResume(exported.content, settings.export, resumeFrom));
        for (const warning of exported.warnings)
          context.emit({ type: 'log', line: `export: ${warning.message}`, stream: 'stderr' });
      }
      const values: Record<string, string> = {
        file,
        config: configPath,
        dataset: input.datasetPath,
        output: input.outputDir,
        workDir: input.workDir,
        resume: resumeFrom ?? '',
      };
      const [command, ...args] = settings.command.map((part) =>
        part.replace(
          /\{(file|config|dataset|output|workDir|resume)\}/g,
          (_, key: string) => values[key] ?? '',
        ),
      );
      // A resumed trainer first redraws its bar at the checkpoint's step; that is not new progress.
      const resumeStep =
        resumeFrom === undefined ? 0 : Number(/checkpoint-(\d+)$/.exec(resumeFrom)?.[1] ?? 0);
      let step = 0;
      let totalSteps = 0;
      let latest: Record<string, number> = {};
      let finalLoss: number | undefined;
      let evalLoss: number | undefined;
      const progress = (etaSeconds?: number): BackendEvent => ({
        type: 'progress',
        step,
        totalSteps,
        ...(latest['loss'] === undefined ? {} : { loss: latest['loss'] }),
        ...(latest['learning_rate'] === undefined ? {} : { learningRate: latest['learning_rate'] }),
        ...(latest['epoch'] === undefined ? {} : { epoch: latest['epoch'] }),
        ...(etaSeconds === undefined ? {} : { etaSeconds }),
      });
      const exit = await runProcess({
        command: command!,
        args,
        ...(settings.cwd === undefined ? {} : { cwd: settings.cwd }),
        env: {
          ...(settings.env ?? process.env),
          PYTHONUNBUFFERED: '1',
          TINYLLM_OUTPUT_DIR: input.outputDir,
          ...(resumeFrom === undefined ? {} : { TINYLLM_RESUME_FROM: resumeFrom }),
          ...(input.maxSteps === undefined ? {} : { TINYLLM_MAX_STEPS: String(input.maxSteps) }),
        },
        signal: context.signal,
        ...(settings.killAfterMs === undefined ? {} : { killAfterMs: settings.killAfterMs }),
        onLine(line, stream) {
          const parsed = parseHfLogLine(line);
          if (parsed === undefined) {
            context.emit({ type: 'log', line, stream });
            return;
          }
          if (parsed.kind === 'bar') {
            if (parsed.step === step && parsed.total === totalSteps) return; // a redraw
            if (parsed.step <= resumeStep) return;
            step = parsed.step;
            totalSteps = parsed.total;
            context.emit(progress(parsed.etaSeconds));
          } else if (parsed.kind === 'checkpoint') {
            context.emit({ type: 'checkpoint', step: parsed.step, path: parsed.path });
          } else {
            context.emit({ type: 'log', line, stream });
            if (parsed.values['eval_loss'] !== undefined) evalLoss = parsed.values['eval_loss'];
            if (parsed.values['train_loss'] !== undefined) finalLoss = parsed.values['train_loss'];
            if (parsed.values['loss'] !== undefined) {
              latest = parsed.values;
              finalLoss = parsed.values['loss'];
              if (totalSteps > 0 && step > resumeStep) context.emit(progress());
            }
          }
        },
      });
      if (exit.aborted)
        throw new TrainerError({
          code: 'CANCELLED',
          message:
            'Training was cancelled; run the job again to resume from the newest checkpoint.',
        });
      if (exit.code !== 0)
        throw new TrainerError({
          code: 'TRAINING_FAILED',
          message: `${command} exited with ${exit.code ?? exit.signal}: ${exit.tail.split('\n').slice(-3).join(' | ')}`,
          output: exit.tail,
        });
      const training = input.config.training;
      return {
        outputDir: input.outputDir,
        format: settings.format ?? 'hf',
        steps: step,
        ...(finalLoss === undefined ? {} : { finalLoss }),
        ...(evalLoss === undefined ? {} : { evalLoss }),
        ...(input.config.model.load_in_4bit ? { quantization: 'nf4' } : {}),
        ...(training.use_lora && training.lora_r !== undefined
          ? {
              lora: {
                r: training.lora_r,
                ...(training.lora_alpha === undefined ? {} : { alpha: training.lora_alpha }),
                ...(training.lora_dropout === undefined ? {} : { dropout: training.lora_dropout }),
                ...(Array.isArray(training.lora_target_modules)
                  ? { targetModules: [...training.lora_target_modules] }
                  : training.lora_target_modules === 'all-linear'
                    ? { targetModules: ['all-linear'] }
                    : {}),
              },
            }
          : {}),
      };
    },
  };
}

// The exported file resumes by itself: axolotl and LLaMA-Factory read resume_from_checkpoint,
// the TRL script passes it to trainer.train().
function withResume(content: string, format: ExportFormat, checkpoint: string | undefined): string {
  if (checkpoint === undefined) return content;
  if (format === 'trl')
    return content.replace(
      'trainer.train()',
      `trainer.train(resume_from_checkpoint=${JSON.stringify(checkpoint)})`,
    );
  return `${content}resume_from_checkpoint: ${JSON.stringify(checkpoint)}\n`;
}
