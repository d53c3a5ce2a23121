/**
 * OpenAI-compatible servers (vLLM, llama.cpp, LM Studio, SGLang): `@tinyllm/providers/openai-compatible`.
 *
 * @packageDocumentation
 */
export {
  type OpenAICompatibleModelOptions,
  type OpenAICompatibleProvider,
  type OpenAICompatibleSettings,
  createOpenAICompatible,
} from './openai-compatible-provider';
