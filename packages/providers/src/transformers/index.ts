/**
 * `@tinyllm/providers/transformers`: local in-process inference with transformers.js, and the
 * model manager that loads, queues and evicts local models.
 *
 * @packageDocumentation
 */
export {
  type TransformersChatModel,
  type TransformersModelOptions,
  type TransformersProvider,
  type TransformersSettings,
  createTransformers,
} from './transformers-provider';
export { type ContextOverflow, splitExchanges } from './context-overflow';
export {
  type AcquireOptions,
  type LoadedModel,
  type ManagedModelInfo,
  type ModelLease,
  type ModelLoadProgress,
  type ModelLoader,
  type ModelManager,
  type ModelManagerEvent,
  type ModelManagerOptions,
  type UnloadReason,
  createModelManager,
} from './model-manager';
export type {
  RuntimeModel,
  RuntimeTokenizer,
  TransformersDevice,
  TransformersDtype,
  TransformersLibrary,
  TransformersRuntime,
  TransformersSessionOptions,
} from './load-model';
export { oneThreadWeightsBytes } from './load-model';
