/**
 * tinyllm tools as AI SDK tools: the same name, description, JSON Schema and implementation, so
 * `streamText` runs them and sends their results back to the model.
 */
import { type AnyTool, toToolDefinition } from '@tinyllm/core';
import { type ToolSet, jsonSchema, tool } from 'ai';

/** Converts tinyllm tools (with `execute`) into an AI SDK tool set keyed by tool name. */
export async function toAITools(tools: readonly AnyTool[]): Promise<ToolSet> {
  const set: ToolSet = {};
  for (const entry of tools) {
    const definition = await toToolDefinition(entry);
    set[definition.name] = tool({
      description: definition.description ?? '',
      inputSchema: jsonSchema<Record<string, unknown>>(definition.parameters),
      execute: async (input, { toolCallId, abortSignal }) =>
        entry.execute?.(input, {
          toolCallId,
          messages: [],
          ...(abortSignal ? { signal: abortSignal } : {}),
        } as never),
    });
  }
  return set;
}
