/**
 * Core messages and tools → the Hugging Face chat format that `apply_chat_template` renders.
 */
import type { Message, ToolChoice, ToolDefinition } from '@tinyllm/core';

/** A message in the Hugging Face chat-template format. */
export type TemplateMessage =
  | { role: 'system' | 'user'; content: string }
  | {
      role: 'assistant';
      content: string;
      tool_calls?: Array<{
        type: 'function';
        function: { name: string; arguments: Record<string, unknown> };
      }>;
    }
  | { role: 'tool'; content: string };

/** A tool in the Hugging Face chat-template format (OpenAI function shape). */
export interface TemplateTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

/**
 * Maps core messages to template messages. Tool-call arguments stay objects because templates
 * apply `tojson` to them; reasoning is not re-sent (templates of thinking models strip it).
 */
export function toTemplateMessages(messages: readonly Message[]): TemplateMessage[] {
  return messages.map((message): TemplateMessage => {
    switch (message.role) {
      case 'system':
      case 'user':
        return { role: message.role, content: message.content };
      case 'assistant':
        if (message.toolCalls && message.toolCalls.length > 0) {
          return {
            role: 'assistant',
            content: message.content,
            tool_calls: message.toolCalls.map((call) => ({
              type: 'function',
              function: { name: call.name, arguments: call.arguments },
            })),
          };
        }
        return { role: 'assistant', content: message.content };
      default:
        return { role: 'tool', content: message.content };
    }
  });
}

/**
 * Maps tool definitions to template tools. `toolChoice` narrows what the model sees: `none`
 * hides every tool, a named tool hides the others. Forcing a call (`required`, a named tool)
 * is done by constrained decoding (`constrained/`), which allows only a `<tool_call>` reply.
 */
export function toTemplateTools(
  tools: readonly ToolDefinition[] | undefined,
  toolChoice: ToolChoice | undefined,
): TemplateTool[] | undefined {
  if (!tools || tools.length === 0 || toolChoice === 'none') return undefined;
  const visible =
    typeof toolChoice === 'object' ? tools.filter((tool) => tool.name === toolChoice.name) : tools;
  if (visible.length === 0) return undefined;
  return visible.map((tool) => ({
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description === undefined ? {} : { description: tool.description }),
      parameters: tool.parameters,
    },
  }));
}
