/**
 * The documented request shapes of structured output, as the local servers check them: a body
 * whose field does not match is refused the way the real server refuses it (400/422), so a test
 * passes only when the adapter sends exactly the documented format.
 *
 * - OpenAI chat completions `response_format` (also vLLM, llama.cpp, SGLang): `text`,
 *   `json_object`, or `json_schema` with `{ name (^[a-zA-Z0-9_-]{1,64}$), description?, schema?,
 *   strict? }`.
 * - Hugging Face router / TGI Messages API: `ChatCompletionInputGrammarType` of
 *   `@huggingface/tasks`, the same three types with the same `json_schema` object.
 * - Ollama `/api/chat` `format`: the string `"json"` or a JSON Schema object.
 */
import { z } from 'zod';

const jsonSchemaObject = z.record(z.string(), z.unknown());

export const openAIResponseFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }).strict(),
  z.object({ type: z.literal('json_object') }).strict(),
  z
    .object({
      type: z.literal('json_schema'),
      json_schema: z
        .object({
          name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
          description: z.string().optional(),
          schema: jsonSchemaObject.optional(),
          strict: z.boolean().nullable().optional(),
        })
        .strict(),
    })
    .strict(),
]);

export const ollamaFormatSchema = z.union([z.literal('json'), jsonSchemaObject]);

/** The first problem of a field against its documented shape, or undefined when it conforms. */
export function wireFormatProblem(
  schema: z.ZodType,
  value: unknown,
  field: string,
): string | undefined {
  if (value === undefined) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return undefined;
  const issue = result.error.issues[0]!;
  return `Invalid '${[field, ...issue.path].join('.')}': ${issue.message}`;
}
