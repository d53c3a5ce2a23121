/**
 * `jsonSchema()`: a plain JSON Schema as a typed, validating schema.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { TinyLLMError } from '../errors';
import type { JsonSchema } from '../messages';
import { loadOptional } from './load-optional';
import { type JsonSchemaInput, jsonSchemaBrand } from './types';

/** Options of {@link jsonSchema}. */
export interface JsonSchemaOptions<T> {
  /**
   * Validates a value yourself (e.g. with ajv) instead of zod's `fromJSONSchema`. Return the
   * value, or throw / return `{ issues }` when it is invalid.
   */
  validate?: (
    value: unknown,
  ) =>
    | { value: T }
    | { issues: ReadonlyArray<StandardSchemaV1.Issue> }
    | Promise<{ value: T } | { issues: ReadonlyArray<StandardSchemaV1.Issue> }>;
}

/**
 * Wraps a JSON Schema so it can be used wherever core takes a schema, typed as `T`.
 *
 * @example
 * ```ts
 * const weather = tool({
 *   name: 'get_weather',
 *   parameters: jsonSchema<{ city: string }>({
 *     type: 'object',
 *     properties: { city: { type: 'string' } },
 *     required: ['city'],
 *   }),
 *   execute: ({ city }) => lookUp(city),
 * });
 * ```
 */
export function jsonSchema<T = Record<string, unknown>>(
  schema: JsonSchema,
  options: JsonSchemaOptions<T> = {},
): JsonSchemaInput<T> {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new TinyLLMError({
      code: 'INVALID_REQUEST',
      message: 'jsonSchema() expects a JSON Schema object.',
      retryable: false,
    });
  }
  let validator: Promise<StandardSchemaV1> | undefined;
  const zodValidator = async (): Promise<StandardSchemaV1> => {
    const { z } = await loadOptional('zod', () => import('zod'), 'Validating with a JSON Schema');
    try {
      return z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    } catch (error) {
      throw new TinyLLMError({
        code: 'INVALID_REQUEST',
        message: `A JSON Schema cannot be used for validation: ${error instanceof Error ? error.message : String(error)}`,
        retryable: false,
        cause: error,
      });
    }
  };
  const validate = async (value: unknown): Promise<StandardSchemaV1.Result<T>> => {
    if (options.validate) return options.validate(value);
    // A failed conversion is not cached: the error repeats on every call rather than once.
    validator ??= zodValidator().catch((error: unknown) => {
      validator = undefined;
      throw error;
    });
    return (await (await validator)['~standard'].validate(value)) as StandardSchemaV1.Result<T>;
  };
  return {
    [jsonSchemaBrand]: true,
    jsonSchema: schema,
    '~standard': { version: 1, vendor: 'tinyllm-json-schema', validate },
  };
}

/** True for values made by {@link jsonSchema} (in any copy of this package). */
export function isJsonSchemaInput(value: unknown): value is JsonSchemaInput {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[jsonSchemaBrand] === true
  );
}
