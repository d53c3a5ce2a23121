/**
 * The request and options shared by `generateObject()` and `streamObject()`.
 */
import { toJsonSchema } from '../any-schema/to-json-schema';
import type { SchemaInput } from '../any-schema/types';
import type { ChatRequest, Message, SamplingOptions } from '../messages';

/** Options of `generateObject()` and `streamObject()`. */
export interface ObjectOptions<Schema extends SchemaInput> extends SamplingOptions {
  messages: Message[];
  /** The object's schema: zod 4 or 3, valibot, arktype, any Standard Schema, or `jsonSchema(…)`. */
  schema: Schema;
  /** A name for the object, passed to backends that take one (e.g. OpenAI's `json_schema.name`). */
  name?: string;
  /** What the object is, passed to backends that take a description. */
  description?: string;
  /**
   * Ask the backend to enforce the schema, not only request it. Backends differ in what strict
   * mode accepts (OpenAI's requires every property to be required); unset leaves it to them.
   */
  strict?: boolean;
  /** Provider-specific options, passed through untouched. */
  providerOptions?: ChatRequest['providerOptions'];
  /** Aborting ends the call with an `ABORTED` error and stops generation. */
  signal?: AbortSignal;
}

/** The chat request that asks for a JSON reply matching the schema. */
export async function objectRequest(options: ObjectOptions<SchemaInput>): Promise<ChatRequest> {
  const { messages, schema, name, description, strict, signal: _signal, ...rest } = options;
  return {
    ...rest,
    messages,
    responseFormat: {
      type: 'json',
      schema: await toJsonSchema(schema),
      ...(name === undefined ? {} : { name }),
      ...(description === undefined ? {} : { description }),
      ...(strict === undefined ? {} : { strict }),
    },
  };
}
