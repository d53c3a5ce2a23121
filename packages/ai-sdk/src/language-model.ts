/**
 * `toLanguageModel()`: any tinyllm `ChatModel` as an AI SDK language model. It only translates;
 * the model's own validation, tool-call parsing, queueing and abort handling do the work.
 */
import type { LanguageModelV3 } from '@ai-sdk/provider';
// The V2 types of `@ai-sdk/provider` 2 (what `ai` 5 checks against); version 3 of the package
// carries V2 types too, but with a wider `JSONValue` that `ai` 5's types do not accept.
import type { LanguageModelV2 } from 'ai-sdk-provider-v2';
import type { ChatModel, ChatResponse, ChatStreamEvent } from '@tinyllm/core';
import { type TranslatedCall, toChatRequest } from './call-options';
import { type SpecMapping, v2, v3 } from './spec-version';
import { PartWriter, type StreamPart, tinyllmMetadata } from './stream-parts';

/** Options of {@link toLanguageModel}. */
export interface ToLanguageModelOptions {
  /**
   * `v3` (default) for `ai` 6 and 7; `v2` for `ai` 5, which refuses V3 models.
   */
  specificationVersion?: 'v2' | 'v3';
  /** The provider name `ai` reports (telemetry, errors). Default: the model's own provider id. */
  provider?: string;
}

type AnyCallOptions = Parameters<LanguageModelV3['doGenerate']>[0] &
  Parameters<LanguageModelV2['doGenerate']>[0];

function content(response: ChatResponse) {
  const parts: Array<
    | { type: 'reasoning'; text: string }
    | { type: 'text'; text: string }
    | { type: 'tool-call'; toolCallId: string; toolName: string; input: string }
  > = [];
  if (response.reasoning) parts.push({ type: 'reasoning', text: response.reasoning });
  if (response.text !== '') parts.push({ type: 'text', text: response.text });
  for (const call of response.toolCalls) {
    parts.push({
      type: 'tool-call',
      toolCallId: call.id,
      toolName: call.name,
      input: JSON.stringify(call.arguments),
    });
  }
  return parts;
}

function build<F, U, W>(model: ChatModel, mapping: SpecMapping<F, U, W>, provider: string) {
  const warnings = (call: TranslatedCall) => call.unsupported.map(mapping.warning);
  return {
    provider,
    modelId: model.modelId,
    supportedUrls: {},

    async doGenerate(options: AnyCallOptions) {
      const call = toChatRequest(options);
      const response = await model.chat(call.request, { signal: options.abortSignal });
      return {
        content: content(response),
        finishReason: mapping.finishReason(response.finishReason),
        usage: mapping.usage(response.usage),
        providerMetadata: {
          tinyllm: tinyllmMetadata(response, response.usage, response.timings),
        },
        request: { body: call.request },
        response: { modelId: response.modelId, timestamp: new Date() },
        warnings: warnings(call),
      };
    },

    async doStream(options: AnyCallOptions) {
      const call = toChatRequest(options);
      const controller = new AbortController();
      const signal = options.abortSignal
        ? AbortSignal.any([options.abortSignal, controller.signal])
        : controller.signal;
      const iterator = model.stream(call.request, { signal })[Symbol.asyncIterator]();
      // The first event is awaited here, so a request refused up front (queue full, invalid
      // request) rejects `doStream` with its typed error, as a failed HTTP call would.
      let first: IteratorResult<ChatStreamEvent>;
      try {
        first = await iterator.next();
      } catch (error) {
        controller.abort();
        throw error;
      }
      let pending: IteratorResult<ChatStreamEvent> | undefined = first;
      const writer = new PartWriter<F, U>(model, mapping);
      const stream = new ReadableStream<StreamPart<F, U> | Record<string, unknown>>({
        async start(stream) {
          stream.enqueue({ type: 'stream-start', warnings: warnings(call) });
          stream.enqueue({
            type: 'response-metadata',
            modelId: model.modelId,
            timestamp: new Date(),
          });
        },
        async pull(stream) {
          try {
            const step = pending ?? (await iterator.next());
            pending = undefined;
            if (step.done) {
              stream.close();
              return;
            }
            for (const part of writer.write(step.value)) stream.enqueue(part);
            if (step.value.type === 'finish') stream.close();
          } catch (error) {
            stream.enqueue({ type: 'error', error });
            stream.close();
          }
        },
        async cancel() {
          // The consumer stopped reading: stop generating (frees a local model's queue slot).
          controller.abort();
          await iterator.return?.();
        },
      });
      return { stream, request: { body: call.request } };
    },
  };
}

/**
 * Turns a tinyllm `ChatModel` (an adapter, the router's `model(name)`, a registry model) into
 * an AI SDK language model: the V3 spec for `ai` 6 and 7 (default), or V2 for `ai` 5.
 *
 * @example
 * ```ts
 * import { streamText } from 'ai';
 * import { toLanguageModel } from '@tinyllm/ai-sdk';
 * const result = streamText({ model: toLanguageModel(transformers('tiny-tool-qwen')), prompt: 'Hi' });
 * ```
 */
export function toLanguageModel(
  model: ChatModel,
  options?: ToLanguageModelOptions & { specificationVersion?: 'v3' },
): LanguageModelV3;
export function toLanguageModel(
  model: ChatModel,
  options: ToLanguageModelOptions & { specificationVersion: 'v2' },
): LanguageModelV2;
export function toLanguageModel(
  model: ChatModel,
  options: ToLanguageModelOptions = {},
): LanguageModelV2 | LanguageModelV3 {
  const provider = options.provider ?? model.provider;
  if (options.specificationVersion === 'v2') {
    return { specificationVersion: 'v2', ...build(model, v2, provider) } as LanguageModelV2;
  }
  return { specificationVersion: 'v3', ...build(model, v3, provider) } as LanguageModelV3;
}
