/**
 * What "a schema" means wherever core takes one (tool parameters, `generateObject`): a schema
 * from any library that implements Standard Schema v1 (zod 4, zod 3 from `zod/v3`, valibot,
 * arktype, …), a {@link JsonSchemaInput} made with `jsonSchema()`, or a plain JSON Schema object.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import type { JsonSchema } from '../messages';

export type { StandardSchemaV1 } from '@standard-schema/spec';

/** Marks values made by `jsonSchema()` across copies of this package. */
export const jsonSchemaBrand: unique symbol = Symbol.for('tinyllm.json-schema') as never;

/**
 * A plain JSON Schema wrapped by `jsonSchema()`, typed as `T`. It is a Standard Schema itself:
 * values are validated against the JSON Schema (by zod's `fromJSONSchema`, loaded on first use)
 * or by the `validate` function given to `jsonSchema()`.
 */
export interface JsonSchemaInput<T = unknown> extends StandardSchemaV1<unknown, T> {
  readonly [jsonSchemaBrand]: true;
  /** The JSON Schema, as sent to models. */
  readonly jsonSchema: JsonSchema;
}

/** A schema from any supported source, whose valid values are `T`. */
export type SchemaInput<T = unknown> =
  | StandardSchemaV1<unknown, T>
  | JsonSchemaInput<T>
  | JsonSchema;

/** The type of the values a schema accepts (after its transforms and defaults). */
export type InferSchema<Schema> = Schema extends StandardSchemaV1
  ? StandardSchemaV1.InferOutput<Schema>
  : Record<string, unknown>;

/** A validation problem, with the path as text (`items[2].name`). */
export interface SchemaIssue {
  path: string;
  message: string;
}
