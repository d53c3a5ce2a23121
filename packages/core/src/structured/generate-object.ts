/**
 * `generateObject()`: a typed, validated object from any chat model.
 */
import type { InferSchema, SchemaInput } from '../any-schema/types';
import { TinyLLMError } from '../errors';
import {
  type ChatResponse,
  type FinishReason,
  type Message,
  type Usage,
  addUsage,
} from '../messages';
import type { ChatModel } from '../model';
import { type ObjectOptions, objectRequest } from './object-request';
import { parseObject } from './parse-object';

/** Options of {@link generateObject}. */
export interface GenerateObjectOptions<Schema extends SchemaInput> extends ObjectOptions<Schema> {
  /**
   * How many times to send an invalid reply back to the model with the validation issues and
   * ask for a corrected one (default 0: an invalid reply is an `OUTPUT_INVALID` error at once).
   */
  maxRepairs?: number;
}

/** The result of {@link generateObject}. */
export interface GenerateObjectResult<T> {
  /** The validated object (the schema's output: defaults applied, transforms run). */
  object: T;
  /** The reply text the object was parsed from. */
  text: string;
  /** Usage summed over the first attempt and any repairs. */
  usage: Usage;
  finishReason: FinishReason;
  /** The last model response. */
  response: ChatResponse;
  /** How many repair requests were needed (0 when the first reply was valid). */
  repairs: number;
}

function repairMessage(error: TinyLLMError): Message {
  const issues = (error.details?.issues as Array<{ path: string; message: string }>) ?? [];
  const list = issues.map((issue) => `- ${issue.path || '(root)'}: ${issue.message}`).join('\n');
  return {
    role: 'user',
    content: `That reply does not match the required JSON schema:\n${list}\nReply with the corrected JSON only.`,
  };
}

/**
 * Asks a model for a JSON object matching `schema`, and returns it validated. Works with any
 * {@link ChatModel}, including a router (whose retries and fallbacks apply to each call): the
 * request carries `responseFormat: { type: 'json', schema }`, which each adapter maps to its
 * backend's native mechanism.
 *
 * Rejects with `OUTPUT_INVALID` (details: `text`, `issues`) when the reply is not valid JSON or
 * does not match the schema after `maxRepairs` repair requests.
 *
 * @example
 * ```ts
 * const { object } = await generateObject(model, {
 *   messages: [{ role: 'user', content: 'Weather in Oslo as JSON' }],
 *   schema: z.object({ city: z.string(), temperatureC: z.number() }),
 * });
 * ```
 */
export async function generateObject<Schema extends SchemaInput>(
  model: ChatModel,
  options: GenerateObjectOptions<Schema>,
): Promise<GenerateObjectResult<InferSchema<Schema>>> {
  const { maxRepairs = 0, ...objectOptions } = options;
  if (!Number.isInteger(maxRepairs) || maxRepairs < 0) {
    throw new TinyLLMError({
      code: 'INVALID_REQUEST',
      message: 'maxRepairs must be an integer ≥ 0.',
      path: 'maxRepairs',
      retryable: false,
    });
  }
  const request = await objectRequest(objectOptions);
  const callOptions = options.signal ? { signal: options.signal } : {};
  let messages = request.messages;
  let usage: Usage | undefined;
  for (let repairs = 0; ; repairs++) {
    const response = await model.chat({ ...request, messages }, callOptions);
    usage = usage ? addUsage(usage, response.usage) : response.usage;
    const context = { provider: response.provider, modelId: response.modelId };
    try {
      const object = (await parseObject(
        response.text,
        options.schema,
        context,
      )) as InferSchema<Schema>;
      return {
        object,
        text: response.text,
        usage,
        finishReason: response.finishReason,
        response,
        repairs,
      };
    } catch (error) {
      if (!TinyLLMError.hasCode(error, 'OUTPUT_INVALID') || repairs >= maxRepairs) throw error;
      messages = [...messages, { role: 'assistant', content: response.text }, repairMessage(error)];
    }
  }
}
