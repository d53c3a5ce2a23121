/**
 * AI SDK call options → a tinyllm `ChatRequest`, plus the settings tinyllm cannot honour (they
 * become the spec's warnings, so `ai` reports them instead of silently dropping them).
 */
import type { LanguageModelV3CallOptions } from '@ai-sdk/provider';
import type { LanguageModelV2CallOptions } from 'ai-sdk-provider-v2';
import type { ChatRequest, JsonSchema, ToolChoice, ToolDefinition } from '@tinyllm/core';
import { toMessages } from './prompt';

/**
 * The structured-output request field agreed for `@tinyllm/core` (`ChatRequest.responseFormat`);
 * declared here until core exports it. Adapters that do not know it ignore it.
 */
export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json'; schema?: JsonSchema; name?: string; description?: string; strict?: boolean };

/** A setting or tool that was not applied. */
export type Unsupported =
  | { kind: 'setting'; setting: 'presencePenalty' | 'frequencyPenalty'; details?: string }
  | { kind: 'tool'; name: string; details: string };

/** The translated request and what could not be honoured. */
export interface TranslatedCall {
  request: ChatRequest & { responseFormat?: ResponseFormat };
  unsupported: Unsupported[];
}

type CallOptions = LanguageModelV2CallOptions | LanguageModelV3CallOptions;

function toToolChoice(choice: CallOptions['toolChoice']): ToolChoice | undefined {
  if (!choice) return undefined;
  if (choice.type === 'tool') return { type: 'tool', name: choice.toolName };
  return choice.type;
}

/** Translates AI SDK call options. */
export function toChatRequest(options: CallOptions): TranslatedCall {
  const unsupported: Unsupported[] = [];
  const tools: ToolDefinition[] = [];
  for (const entry of options.tools ?? []) {
    if (entry.type === 'function') {
      tools.push({
        name: entry.name,
        ...(entry.description === undefined ? {} : { description: entry.description }),
        parameters: entry.inputSchema as JsonSchema,
      });
    } else {
      unsupported.push({
        kind: 'tool',
        name: entry.name,
        details: 'Provider-executed tools are not available on tinyllm models.',
      });
    }
  }
  if (options.presencePenalty !== undefined) {
    unsupported.push({ kind: 'setting', setting: 'presencePenalty' });
  }
  if (options.frequencyPenalty !== undefined) {
    unsupported.push({ kind: 'setting', setting: 'frequencyPenalty' });
  }
  const toolChoice = toToolChoice(options.toolChoice);
  const format = options.responseFormat;
  const responseFormat: ResponseFormat | undefined =
    format === undefined
      ? undefined
      : format.type === 'text'
        ? { type: 'text' }
        : {
            type: 'json',
            ...(format.schema === undefined ? {} : { schema: format.schema as JsonSchema }),
            ...(format.name === undefined ? {} : { name: format.name }),
            ...(format.description === undefined ? {} : { description: format.description }),
          };
  const request: TranslatedCall['request'] = {
    messages: toMessages(options.prompt),
    ...(tools.length > 0 ? { tools } : {}),
    ...(toolChoice === undefined || tools.length === 0 ? {} : { toolChoice }),
    ...(responseFormat === undefined ? {} : { responseFormat }),
    ...(options.maxOutputTokens === undefined ? {} : { maxOutputTokens: options.maxOutputTokens }),
    ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
    ...(options.topP === undefined ? {} : { topP: options.topP }),
    ...(options.topK === undefined ? {} : { topK: options.topK }),
    ...(options.stopSequences === undefined || options.stopSequences.length === 0
      ? {}
      : { stop: options.stopSequences }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.providerOptions === undefined
      ? {}
      : { providerOptions: options.providerOptions as ChatRequest['providerOptions'] }),
  };
  return { request, unsupported };
}
