/**
 * Validates a value with a schema from any supported library, through Standard Schema's
 * `validate` (which every supported library implements; plain JSON Schemas go through
 * `jsonSchema()`).
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { jsonSchema } from './json-schema';
import type { SchemaInput, SchemaIssue } from './types';

const wrapped = new WeakMap<object, StandardSchemaV1>();

/** The Standard Schema view of any schema input (plain JSON Schemas are wrapped once). */
export function asStandardSchema<T>(schema: SchemaInput<T>): StandardSchemaV1<unknown, T> {
  if ('~standard' in schema) return schema as StandardSchemaV1<unknown, T>;
  let standard = wrapped.get(schema);
  if (!standard) {
    standard = jsonSchema(schema as Record<string, unknown>);
    wrapped.set(schema, standard);
  }
  return standard as StandardSchemaV1<unknown, T>;
}

/** Formats a Standard Schema issue path as `items[2].name`. */
export function formatIssuePath(path: StandardSchemaV1.Issue['path']): string {
  let out = '';
  for (const segment of path ?? []) {
    const key = typeof segment === 'object' ? segment.key : segment;
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** Validates `value`: the schema's output, or the issues found. */
export async function validateWithSchema<T>(
  schema: SchemaInput<T>,
  value: unknown,
): Promise<{ value: T; issues?: undefined } | { issues: SchemaIssue[] }> {
  const result = await asStandardSchema(schema)['~standard'].validate(value);
  if (!result.issues) return { value: result.value };
  return {
    issues: result.issues.map((issue) => ({
      path: formatIssuePath(issue.path),
      message: issue.message,
    })),
  };
}
