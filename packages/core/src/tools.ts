/**
 * Tools: definitions the model sees, plus the implementation the tool loop runs. Parameters
 * are a zod schema (converted to JSON Schema for the model) or a JSON Schema (converted to a
 * zod validator), so arguments are always validated before a tool runs.
 */
import { z } from 'zod';
import { TinyLLMError } from './errors';
import type { JsonSchema, ToolDefinition } from './messages';
import { formatZodPath } from './zod-utils';

/** Context passed to a tool's `execute`. */
export interface ToolExecutionContext {
  /** Id of the tool call being executed. */
  toolCallId: string;
  /** Fires when the caller aborts the tool loop. */
  signal: AbortSignal;
}

/** A tool: its definition and (optionally) its implementation. */
export interface Tool<Args = Record<string, unknown>, Result = unknown> {
  readonly name: string;
  readonly description?: string;
  /** JSON Schema sent to the model. */
  readonly parameters: JsonSchema;
  /** Validator for arguments coming back from the model. */
  readonly argumentsSchema: z.ZodType<Args>;
  /** Runs the tool. Its result is sent back to the model (strings as they are, other values as JSON). */
  readonly execute?: (args: Args, context: ToolExecutionContext) => Result | Promise<Result>;
}

/**
 * A tool of any argument type, for collections of tools. (`Tool<Args>` is contravariant in
 * `Args` through `execute`, so a list of differently typed tools needs this wider type.)
 */
// biome-ignore lint/suspicious/noExplicitAny: the variance escape hatch described above
export type AnyTool = Tool<any, any>;

/** Options of {@link tool}. */
export interface ToolOptions<Schema extends z.ZodType | JsonSchema, Result> {
  name: string;
  description?: string;
  /** A zod object schema, or a JSON Schema object. */
  parameters: Schema;
  execute?: (
    args: Schema extends z.ZodType ? z.output<Schema> : Record<string, unknown>,
    context: ToolExecutionContext,
  ) => Result | Promise<Result>;
}

function isZodSchema(value: unknown): value is z.ZodType {
  return typeof value === 'object' && value !== null && '_zod' in value;
}

/**
 * Defines a tool.
 *
 * @example
 * ```ts
 * const weather = tool({
 *   name: 'get_weather',
 *   description: 'Current weather in a city',
 *   parameters: z.object({ city: z.string() }),
 *   execute: async ({ city }) => ({ city, temperatureC: 21 }),
 * });
 * ```
 */
export function tool<Schema extends z.ZodType | JsonSchema, Result = unknown>(
  options: ToolOptions<Schema, Result>,
): Tool<Schema extends z.ZodType ? z.output<Schema> : Record<string, unknown>, Result> {
  type Args = Schema extends z.ZodType ? z.output<Schema> : Record<string, unknown>;
  const { name, description, parameters, execute } = options;
  let jsonSchema: JsonSchema;
  let argumentsSchema: z.ZodType;
  if (isZodSchema(parameters)) {
    argumentsSchema = parameters;
    // `io: 'input'` describes what the model must send (defaults are optional for it).
    const { $schema: _ignored, ...rest } = z.toJSONSchema(parameters, {
      io: 'input',
      unrepresentable: 'any',
    }) as Record<string, unknown>;
    jsonSchema = rest;
  } else {
    jsonSchema = parameters as JsonSchema;
    argumentsSchema = jsonSchemaToZod(jsonSchema, name);
  }
  return {
    name,
    ...(description === undefined ? {} : { description }),
    parameters: jsonSchema,
    argumentsSchema: argumentsSchema as z.ZodType<Args>,
    ...(execute ? { execute } : {}),
  };
}

/** Converts a JSON Schema to a zod validator, with a typed error for schemas zod cannot read. */
export function jsonSchemaToZod(schema: JsonSchema, toolName?: string): z.ZodType {
  try {
    return z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (error) {
    throw new TinyLLMError({
      code: 'INVALID_REQUEST',
      message: `Tool${toolName ? ` "${toolName}"` : ''} has a JSON Schema that cannot be used for validation: ${
        error instanceof Error ? error.message : String(error)
      }`,
      path: 'parameters',
      cause: error,
    });
  }
}

/** The definition sent to the model. */
export function toToolDefinition(value: AnyTool): ToolDefinition {
  return {
    name: value.name,
    ...(value.description === undefined ? {} : { description: value.description }),
    parameters: value.parameters,
  };
}

/**
 * Validates a model's arguments for a tool. Throws `INVALID_TOOL_ARGUMENTS` naming the path
 * of the first problem, and listing every problem in `details.issues`.
 */
export function validateToolArguments<Args>(value: Tool<Args, unknown>, args: unknown): Args {
  const result = value.argumentsSchema.safeParse(args);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => ({
    path: formatZodPath(issue.path),
    message: issue.message,
  }));
  const first = issues[0]!;
  throw new TinyLLMError({
    code: 'INVALID_TOOL_ARGUMENTS',
    message: `Invalid arguments for tool "${value.name}" at ${first.path || '(root)'}: ${first.message}`,
    path: first.path,
    retryable: false,
    details: { tool: value.name, issues },
  });
}
