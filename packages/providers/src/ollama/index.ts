/**
 * Ollama: `@tinyllm/providers/ollama`.
 *
 * @packageDocumentation
 */
export {
  type OllamaModelOptions,
  type OllamaProvider,
  type OllamaServerTimings,
  type OllamaSettings,
  createOllama,
  defaultOllamaBaseURL,
} from './ollama-provider';
export type {
  OllamaManagement,
  OllamaManagementCallOptions,
  OllamaModelDetails,
  OllamaModelSummary,
  OllamaPullProgress,
} from './ollama-management';
