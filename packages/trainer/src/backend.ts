/**
 * The contract between a training job and the backends that run it. A backend trains one config
 * on one dataset into one output folder and reports what happens as {@link BackendEvent}s; the
 * job adds timing, ETA, cancellation, registration and evaluation around it.
 */
import type { TrainingConfig } from '@tinyllm/config-builder';

/** What a backend is asked to do. */
export interface BackendRunInput {
  /** A valid config (the job validates it first). */
  config: TrainingConfig;
  /** Absolute path of the JSONL dataset. */
  datasetPath: string;
  /** Absolute path of the folder the finished model goes to. */
  outputDir: string;
  /** Absolute path of a folder for checkpoints and logs; kept between runs for resuming. */
  workDir: string;
  /** Continue from the newest checkpoint in `workDir`, if there is one. */
  resume: boolean;
  /** Stop after this many optimizer steps (quick runs, tests). */
  maxSteps?: number;
}

/** What a backend reports while it runs. */
export type BackendEvent =
  | {
      type: 'progress';
      /** Optimizer steps done. */
      step: number;
      totalSteps: number;
      loss?: number;
      learningRate?: number;
      epoch?: number;
      /** The trainer's own estimate, when it prints one. */
      etaSeconds?: number;
    }
  | { type: 'log'; line: string; stream: 'stdout' | 'stderr' }
  | { type: 'checkpoint'; step: number; path: string };

/** LoRA settings the model was trained with, in the registry's provenance shape. */
export interface LoraSettings {
  r: number;
  alpha?: number;
  dropout?: number;
  targetModules?: string[];
}

/** What a backend returns when training succeeded. */
export interface BackendResult {
  /** The model folder (usually `input.outputDir`). */
  outputDir: string;
  /** `onnx` when the folder loads in the transformers provider; `hf` for PyTorch/safetensors weights. */
  format: 'onnx' | 'hf';
  steps: number;
  finalLoss?: number;
  evalLoss?: number;
  /** E.g. `Qwen2ForCausalLM`. */
  architecture?: string;
  /** E.g. `fp32`, `nf4`. */
  quantization?: string;
  lora?: LoraSettings;
}

/** Passed to {@link TrainingBackend.run}. */
export interface BackendRunContext {
  /** Aborted by `job.cancel()`: stop, keep checkpoints, reject with a CANCELLED TrainerError. */
  signal: AbortSignal;
  emit(event: BackendEvent): void;
}

/** A training backend: a plug-in that runs a config (see createLocalBackend, createCommandBackend). */
export interface TrainingBackend {
  /** Short id, e.g. `local`, `command`. */
  readonly name: string;
  /** Rejects with a TrainerError when this backend cannot train `input`; cheap, runs before `run`. */
  check(input: BackendRunInput): Promise<void>;
  run(input: BackendRunInput, context: BackendRunContext): Promise<BackendResult>;
}
