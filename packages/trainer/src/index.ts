/**
 * Training jobs for tinyllm: run a `@tinyllm/config-builder` config on a backend (the local
 * PyTorch trainer, or any external trainer as a command), follow its progress, cancel and
 * resume it, and register the finished model with provenance and eval metrics.
 *
 * @packageDocumentation
 */
export {
  TrainerError,
  trainerErrorCodes,
  type TrainerErrorCode,
  type TrainerErrorOptions,
} from './errors';
export type {
  BackendEvent,
  BackendResult,
  BackendRunContext,
  BackendRunInput,
  LoraSettings,
  TrainingBackend,
} from './backend';
export {
  createTrainingJob,
  type TrainingJob,
  type TrainingJobEvent,
  type TrainingJobOptions,
  type TrainingJobStatus,
  type TrainingProgress,
  type TrainingResult,
} from './job';
export { inspectDataset, type DatasetInfo } from './dataset';
export {
  evaluateModel,
  evaluateModelFolder,
  evaluationRecord,
  type EvaluationOptions,
  type ModelEvaluation,
} from './evaluate';
export {
  modelsTrainedWith,
  registerTrainedModel,
  type Registration,
  type RegisterOptions,
  type TrainerRegistry,
} from './register';
export {
  checkPythonTraining,
  createLocalBackend,
  findTrainingDir,
  type LocalBackendSettings,
} from './backends/local/index';
export {
  createCommandBackend,
  findLatestCheckpoint,
  type CommandBackendSettings,
} from './backends/command/index';
export { parseHfLogLine, type HfLogLine } from './backends/command/hf-log';
