import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { ChatStreamEvent, Message, ToolCall } from './index';
import { TinyLLMError, tool } from './index';

describe('types', () => {
  it('tool() infers execute arguments from a zod schema', () => {
    tool({
      name: 'weather',
      parameters: z.object({ city: z.string(), days: z.number().optional() }),
      execute: (args) => {
        expectTypeOf(args).toEqualTypeOf<{ city: string; days?: number | undefined }>();
        return args.city;
      },
    });
  });

  it('tool() with a JSON Schema gives a record of unknowns', () => {
    tool({
      name: 'raw',
      parameters: { type: 'object', properties: { q: { type: 'string' } } },
      execute: (args) => {
        expectTypeOf(args).toEqualTypeOf<Record<string, unknown>>();
      },
    });
  });

  it('messages and events are discriminated unions', () => {
    const message = {} as Message;
    if (message.role === 'tool') expectTypeOf(message.toolCallId).toBeString();
    if (message.role === 'assistant')
      expectTypeOf(message.toolCalls).toEqualTypeOf<ToolCall[] | undefined>();
    const event = {} as ChatStreamEvent;
    if (event.type === 'finish') expectTypeOf(event.usage.estimated).toBeBoolean();
    // @ts-expect-error: a user message has no tool calls
    const bad: Message = { role: 'user', content: 'x', toolCalls: [] };
    void bad;
  });

  it('error codes are a closed union', () => {
    // @ts-expect-error: not an error code
    new TinyLLMError({ code: 'OOPS', message: 'x' });
    expectTypeOf<'RATE_LIMITED'>().toExtend<TinyLLMError['code']>();
    expectTypeOf<'OOPS'>().not.toExtend<TinyLLMError['code']>();
  });
});
