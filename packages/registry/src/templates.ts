/**
 * Provider templates: sensible defaults for each way of serving a model, so registering one
 * takes a name and a model id.
 */
import type { ProviderId } from '@tinyllm/core';
import { TinyLLMError } from '@tinyllm/core';
import type { RegisterModelInput } from './records';

/** A template: defaults for one provider setup. */
export interface ProviderTemplate {
  id: string;
  label: string;
  description: string;
  defaults: {
    provider: ProviderId;
    baseUrl: string | null;
    contextLength: number;
    maxOutputTokens: number;
    supportsStreaming: boolean;
    supportsFunctions: boolean;
    options?: Record<string, unknown>;
  };
}

/** The built-in templates, by id. */
export const providerTemplates = {
  'hf-inference': {
    id: 'hf-inference',
    label: 'Hugging Face Inference',
    description: 'Hosted inference through Hugging Face Inference Providers; needs an HF token.',
    defaults: {
      provider: 'huggingface',
      baseUrl: 'https://router.huggingface.co',
      contextLength: 32768,
      maxOutputTokens: 1024,
      supportsStreaming: true,
      supportsFunctions: true,
    },
  },
  'transformers-local': {
    id: 'transformers-local',
    label: 'Local transformers.js',
    description:
      'Runs an ONNX model in-process with transformers.js; baseUrl is a local models folder.',
    defaults: {
      provider: 'transformers',
      baseUrl: null,
      contextLength: 4096,
      maxOutputTokens: 512,
      supportsStreaming: true,
      supportsFunctions: true,
      // No dtype: the transformers provider picks it from the ONNX files present (set
      // `options.dtype` to choose, e.g. 'q8' when model_quantized.onnx is there).
    },
  },
  ollama: {
    id: 'ollama',
    label: 'Ollama',
    description: 'A local Ollama server.',
    defaults: {
      provider: 'ollama',
      baseUrl: 'http://127.0.0.1:11434',
      contextLength: 4096,
      maxOutputTokens: 1024,
      supportsStreaming: true,
      supportsFunctions: true,
    },
  },
  'openai-compatible': {
    id: 'openai-compatible',
    label: 'OpenAI-compatible (vLLM, llama.cpp, LM Studio)',
    description: 'Any server speaking the OpenAI chat completions API, such as vLLM.',
    defaults: {
      provider: 'openai-compatible',
      baseUrl: 'http://127.0.0.1:8000/v1',
      contextLength: 8192,
      maxOutputTokens: 1024,
      supportsStreaming: true,
      supportsFunctions: true,
    },
  },
} as const satisfies Record<string, ProviderTemplate>;

/** Id of a built-in template. */
export type ProviderTemplateId = keyof typeof providerTemplates;

/** What a template needs on top of its defaults. */
export type TemplateOverrides = Partial<RegisterModelInput> &
  Pick<RegisterModelInput, 'name' | 'modelId'>;

/**
 * A registration input from a template's defaults and `overrides` (which win).
 *
 * @example
 * ```ts
 * await registry.models.register(fromTemplate('ollama', { name: 'qwen3-tools', modelId: 'qwen3:0.6b' }));
 * ```
 */
export function fromTemplate(
  id: ProviderTemplateId,
  overrides: TemplateOverrides,
): RegisterModelInput {
  const template = (providerTemplates as Record<string, ProviderTemplate>)[id];
  if (template === undefined) {
    throw new TinyLLMError({
      code: 'INVALID_REQUEST',
      message: `Unknown provider template "${String(id)}"; known: ${Object.keys(providerTemplates).join(', ')}.`,
      path: 'template',
    });
  }
  const { options, ...defaults } = template.defaults;
  return {
    ...defaults,
    ...(options === undefined ? {} : { options: { ...options } }),
    ...overrides,
  };
}
