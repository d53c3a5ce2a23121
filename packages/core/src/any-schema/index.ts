export { type JsonSchemaOptions, isJsonSchemaInput, jsonSchema } from './json-schema';
export { toJsonSchema } from './to-json-schema';
export type {
  InferSchema,
  JsonSchemaInput,
  SchemaInput,
  SchemaIssue,
  StandardSchemaV1,
} from './types';
export { asStandardSchema, formatIssuePath, validateWithSchema } from './validate';
