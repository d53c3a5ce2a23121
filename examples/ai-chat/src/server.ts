/**
 * The chat server: `GET /` serves the page, `POST /api/chat` takes the `useChat` request body
 * (`{ id, messages: UIMessage[] }`) and answers with `streamText(...).toUIMessageStreamResponse()`
 * over a tinyllm model, so any `useChat` client (or `DefaultChatTransport`) can talk to it.
 */
import { toLanguageModel } from '@tinyllm/ai-sdk';
import type { AnyTool, ChatModel } from '@tinyllm/core';
import { type UIMessage, convertToModelMessages, stepCountIs, streamText } from 'ai';
import { Hono } from 'hono';
import { page } from './page';
import { toAITools } from './tools';

export interface AIChatServerOptions {
  model: ChatModel;
  tools: readonly AnyTool[];
  /** Most model calls per answer (tool calls and the reply). Default 4. */
  maxSteps?: number;
}

/** The chat app as a fetch handler (`app.fetch`). */
export function createAIChatApp(options: AIChatServerOptions): Hono {
  const model = toLanguageModel(options.model);
  // Converting schemas to JSON Schema loads the converter lazily, so it happens once, on first use.
  const toolsReady = toAITools(options.tools);
  // A conversion failure surfaces on the request that awaits it, not as an unhandled rejection.
  toolsReady.catch(() => {});
  const app = new Hono();
  app.get('/', (c) => c.html(page));
  app.post('/api/chat', async (c) => {
    const body = (await c.req.json()) as { messages?: UIMessage[] };
    if (!Array.isArray(body.messages) || body.messages.length === 0) {
      return c.json({ error: 'messages must be a non-empty array of UI messages' }, 400);
    }
    const result = streamText({
      model,
      messages: await convertToModelMessages(body.messages),
      tools: await toolsReady,
      stopWhen: stepCountIs(options.maxSteps ?? 4),
      // The page's Stop button (or a closed tab) aborts the request: generation stops.
      abortSignal: c.req.raw.signal,
    });
    return result.toUIMessageStreamResponse({
      originalMessages: body.messages,
      onError: (error) => (error instanceof Error ? error.message : 'The model failed.'),
    });
  });
  return app;
}
