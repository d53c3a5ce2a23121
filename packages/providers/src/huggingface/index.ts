/**
 * Hugging Face Inference Providers and Inference Endpoints / TGI: `@tinyllm/providers/huggingface`.
 *
 * @packageDocumentation
 */
export {
  type HuggingFaceModelOptions,
  type HuggingFaceProvider,
  type HuggingFaceSettings,
  createHuggingFace,
  huggingFaceRouterURL,
} from './huggingface-provider';
