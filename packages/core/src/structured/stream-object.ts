/**
 * `streamObject()`: partial objects as the model writes the JSON, then the validated object.
 */
import type { InferSchema, SchemaInput } from '../any-schema/types';
import { TinyLLMError } from '../errors';
import type { ChatResponse } from '../messages';
import type { ChatModel } from '../model';
import { loadOptional } from '../any-schema/load-optional';
import { type ObjectOptions, objectRequest } from './object-request';
import { parseObject } from './parse-object';

/** A value while it is being written: every property, at any depth, may still be missing. */
export type DeepPartial<T> = T extends ReadonlyArray<infer Item>
  ? Array<DeepPartial<Item>>
  : T extends object
    ? { [Key in keyof T]?: DeepPartial<T[Key]> }
    : T;

/** The result of {@link streamObject}. */
export interface StreamObjectResult<T> {
  /**
   * The object as it grows, one value each time the parsed JSON changes (strings grow too).
   * Partial objects are not validated. Iterate once; ends with the stream's error if it fails.
   */
  partialObjectStream: AsyncIterable<DeepPartial<T>>;
  /** The validated object. Rejects with `OUTPUT_INVALID` or the stream's error. */
  object: Promise<T>;
  /** The model's final response. */
  response: Promise<ChatResponse>;
}

type PartialParse = (text: string) => unknown;

async function loadPartialParser(): Promise<PartialParse> {
  const { parse, Allow } = await loadOptional(
    'partial-json',
    () => import('partial-json'),
    'Streaming partial objects',
  );
  return (text) => parse(text, Allow.ALL);
}

// A reply may open with a Markdown fence before the JSON; partial parsing starts after it.
function jsonStart(text: string): string {
  const start = text.search(/[{[]/);
  return start < 0 ? '' : text.slice(start);
}

/**
 * Streams a JSON object matching `schema` from any {@link ChatModel} (a router included). The
 * request starts at once; partial objects are buffered until read.
 *
 * @example
 * ```ts
 * const result = streamObject(model, { messages, schema: z.object({ items: z.array(z.string()) }) });
 * for await (const partial of result.partialObjectStream) render(partial.items ?? []);
 * const { items } = await result.object;
 * ```
 */
export function streamObject<Schema extends SchemaInput>(
  model: ChatModel,
  options: ObjectOptions<Schema>,
): StreamObjectResult<InferSchema<Schema>> {
  type T = InferSchema<Schema>;
  const partials: Array<DeepPartial<T>> = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let iterated = false;
  const notify = () => {
    wake?.();
    wake = undefined;
  };

  let resolveResponse!: (response: ChatResponse) => void;
  let rejectResponse!: (error: unknown) => void;
  const response = new Promise<ChatResponse>((resolve, reject) => {
    resolveResponse = resolve;
    rejectResponse = reject;
  });

  const run = async (): Promise<T> => {
    try {
      const [request, parsePartial] = await Promise.all([
        objectRequest(options),
        loadPartialParser(),
      ]);
      const stream = model.stream(request, options.signal ? { signal: options.signal } : {});
      let text = '';
      let last = '';
      for await (const event of stream) {
        if (event.type !== 'text-delta') continue;
        text += event.text;
        let partial: unknown;
        try {
          partial = parsePartial(jsonStart(text));
        } catch {
          continue; // not JSON yet (or malformed): the final validation reports it
        }
        const serialized = JSON.stringify(partial);
        if (partial === undefined || serialized === last) continue;
        last = serialized;
        partials.push(partial as DeepPartial<T>);
        notify();
      }
      const final = await stream.finalResponse();
      resolveResponse(final);
      return (await parseObject(final.text, options.schema, {
        provider: final.provider,
        modelId: final.modelId,
      })) as T;
    } catch (error) {
      failure = { error };
      rejectResponse(error);
      throw error;
    } finally {
      ended = true;
      notify();
    }
  };
  const object = run();
  // Callers may read only the partials, or only the object: neither promise may go unhandled.
  object.catch(() => {});
  response.catch(() => {});

  async function* partialObjectStream(): AsyncGenerator<DeepPartial<T>> {
    if (iterated) {
      throw new TinyLLMError({
        code: 'INVALID_REQUEST',
        message: 'partialObjectStream can be iterated only once.',
      });
    }
    iterated = true;
    while (true) {
      if (partials.length > 0) {
        yield partials.shift()!;
        continue;
      }
      if (ended) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
    // Stream failures end the iteration with the error; invalid final output does not (the
    // partials were fine as far as they went): it is reported by `object`.
    if (failure && !TinyLLMError.hasCode(failure.error, 'OUTPUT_INVALID')) throw failure.error;
  }

  return { partialObjectStream: { [Symbol.asyncIterator]: partialObjectStream }, object, response };
}
