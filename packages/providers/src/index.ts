/**
 * @tinyllm/providers: adapters that serve the tinyllm model contract.
 *
 * The root entry loads no SDK: adapters live behind subpath exports
 * (`@tinyllm/providers/ollama`, `/huggingface`, `/openai-compatible`, `/transformers`) and
 * {@link createModelFromSettings} imports the one it needs on demand.
 *
 * @packageDocumentation
 */
export {
  type ModelSettingsOverrides,
  type TestConnectionOptions,
  type TestConnectionResult,
  createModelFromSettings,
  testConnection,
} from './model-from-settings';
