/**
 * Typed training configs for fine-tuning small LLMs for tool use: zod schemas, templates, an
 * immutable builder, a validator with errors and warnings, a memory estimate, serialization,
 * diffs and JSON Schema export.
 *
 * @packageDocumentation
 */

export { ConfigError, type ConfigErrorCode, type ConfigErrorOptions } from './errors';
export {
  errorIssueCodes,
  warningIssueCodes,
  type ConfigIssue,
  type ConfigIssueCode,
  type ErrorIssueCode,
  type WarningIssueCode,
} from './issues';
export {
  trainingConfigSchema,
  modelSectionSchema,
  tokenizerSectionSchema,
  trainingSectionSchema,
  sftTrainingSchema,
  dpoTrainingSchema,
  rlhfTrainingSchema,
  dataSectionSchema,
  toolSchema,
  evaluationSectionSchema,
  tensorboardSectionSchema,
  torchDtypes,
  trainingMethods,
  lrSchedulerTypes,
  dataStrategies,
  type TrainingConfig,
  type ModelSection,
  type TokenizerSection,
  type TrainingSection,
  type SftTraining,
  type DpoTraining,
  type RlhfTraining,
  type DataSection,
  type ToolDefinition,
  type EvaluationSection,
  type TensorboardSection,
  type TrainingMethod,
  type TorchDtype,
  type LrSchedulerType,
  type DataStrategy,
} from './schema';
export {
  templates,
  templateIds,
  getTemplate,
  listTemplates,
  isTemplateId,
  type ConfigTemplate,
  type TemplateId,
} from './templates';
export {
  ConfigBuilder,
  configBuilder,
  type ConfigDraft,
  type ConfigFieldPath,
  type ConfigFieldValue,
  type ConfigSectionName,
} from './builder';
export {
  validateConfig,
  validationThresholds,
  type ValidationOptions,
  type ValidationResult,
} from './validate';
export {
  estimateMemory,
  countParameters,
  countLoraParameters,
  optimizerBytesPerParameter,
  type MemoryEstimate,
  type MemoryEstimateOptions,
  type MemoryBreakdown,
} from './memory';
export { knownModels, findKnownModel, type ModelArchitecture } from './known-models';
export { parseConfig, serializeConfig, type ParsedConfig } from './serialize';
export { diffConfigs, type ConfigChange } from './diff';
export { configJsonSchema } from './json-schema';
export {
  exportConfig,
  exportFormats,
  type ExportFormat,
  type ExportOptions,
  type ExportResult,
  type ExportWarning,
  type FieldMapping,
} from './export/index';
