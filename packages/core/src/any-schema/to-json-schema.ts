/**
 * Converts a schema from any supported library to the JSON Schema sent to models, by each
 * library's own, well-kept converter: the Standard JSON Schema interface where the library
 * implements it (zod ≥ 4.2, arktype), zod 4's `toJSONSchema` for what that interface cannot
 * represent, `zod-to-json-schema` for zod 3 and `@valibot/to-json-schema` for valibot. Each
 * converter is loaded on first use, off core's import path.
 */
import type { StandardJSONSchemaV1, StandardSchemaV1 } from '@standard-schema/spec';
import { TinyLLMError } from '../errors';
import type { JsonSchema } from '../messages';
import { isJsonSchemaInput } from './json-schema';
import { loadOptional } from './load-optional';
import type { SchemaInput } from './types';

const cache = new WeakMap<object, Promise<JsonSchema>>();

function isStandardSchema(value: object): value is StandardSchemaV1 {
  return '~standard' in value && typeof (value as StandardSchemaV1)['~standard'] === 'object';
}

/** The JSON Schema of a schema's input (what a model must produce), without `$schema`. */
export function toJsonSchema(schema: SchemaInput): Promise<JsonSchema> {
  let converted = cache.get(schema);
  if (!converted) {
    converted = convert(schema).then(withoutDialect);
    // Failures are not cached, so a missing converter can be installed without a restart.
    converted.catch(() => cache.delete(schema));
    cache.set(schema, converted);
  }
  return converted;
}

function withoutDialect(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, ...rest } = schema;
  return rest;
}

async function convert(schema: SchemaInput): Promise<JsonSchema> {
  if (isJsonSchemaInput(schema)) return schema.jsonSchema;
  if (!isStandardSchema(schema)) return schema as JsonSchema;
  const standard = schema['~standard'] as StandardSchemaV1.Props &
    Partial<StandardJSONSchemaV1.Props>;
  const isZod4 = '_zod' in schema;
  if (standard.jsonSchema) {
    try {
      return standard.jsonSchema.input({ target: 'draft-2020-12' });
    } catch (error) {
      // zod throws on types JSON cannot describe (dates, transforms' outputs): its own
      // converter can describe them loosely instead, as the old `tool()` did.
      if (!isZod4) throw conversionError(standard.vendor, error);
    }
  }
  if (isZod4) {
    const { z } = await loadOptional('zod', () => import('zod'), 'Converting a zod schema');
    return z.toJSONSchema(schema as never, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  }
  if (standard.vendor === 'zod') {
    const { zodToJsonSchema } = await loadOptional(
      'zod-to-json-schema',
      () => import('zod-to-json-schema'),
      'Converting a zod 3 schema to JSON Schema',
    );
    return zodToJsonSchema(schema as never, { $refStrategy: 'none' }) as JsonSchema;
  }
  if (standard.vendor === 'valibot') {
    const { toJsonSchema: valibotToJsonSchema } = await loadOptional(
      '@valibot/to-json-schema',
      () => import('@valibot/to-json-schema'),
      'Converting a valibot schema to JSON Schema',
    );
    return valibotToJsonSchema(schema as never, { errorMode: 'ignore' }) as JsonSchema;
  }
  throw new TinyLLMError({
    code: 'INVALID_REQUEST',
    message: `Cannot convert a "${standard.vendor}" schema to JSON Schema: the library does not implement Standard JSON Schema. Pass jsonSchema(yourJsonSchema, { validate }) instead.`,
    retryable: false,
    details: { vendor: standard.vendor },
  });
}

function conversionError(vendor: string, error: unknown): TinyLLMError {
  return new TinyLLMError({
    code: 'INVALID_REQUEST',
    message: `The ${vendor} schema cannot be converted to JSON Schema: ${error instanceof Error ? error.message : String(error)}`,
    retryable: false,
    details: { vendor },
    cause: error,
  });
}
