/**
 * Chat embedded in a custom tool: a node:http server with one streaming endpoint (Server-Sent
 * Events) backed by a router over the registry's models, and a single static page.
 *
 *   GET  /             the page
 *   GET  /api/models   the registry's enabled models
 *   POST /api/chat     { model, messages } → text/event-stream of chat events
 *
 * Closing the request (the page's Stop button aborts its fetch) aborts the tool loop, which stops
 * generation: local models stop within a token, remote ones get their HTTP request closed.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import {
  type AnyTool,
  type ChatModel,
  type Router,
  TinyLLMError,
  createRouter,
  type Message,
  parseChatRequest,
  streamTools,
  withHooks,
} from '@tinyllm/core';
import type { ModelManager } from '@tinyllm/providers/transformers';
import type { Registry } from '@tinyllm/registry';
import { createModelForRecord } from '@tinyllm/example-tools';
import { pageHtml } from './page';

/** Settings of {@link createChatServer}. */
export interface ChatServerSettings {
  registry: Registry;
  /** Shared by local models, so they load once and stay within one memory budget. */
  manager: ModelManager;
  tools: readonly AnyTool[];
  /** Model calls per reply (default 4). */
  maxSteps?: number;
}

/** Body of `POST /api/chat`. */
export interface ChatBody {
  model: string;
  messages: Message[];
}

/** Validates a chat body; messages are checked by core's request validation. */
export function parseChatBody(value: unknown): ChatBody | { error: string } {
  const body = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  if (typeof body.model !== 'string' || body.model === '')
    return { error: 'model: expected a name' };
  try {
    return { model: body.model, messages: parseChatRequest({ messages: body.messages }).messages };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

const maxBodyBytes = 1_000_000;

async function readJson(request: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) {
      throw new TinyLLMError({
        code: 'INVALID_REQUEST',
        message: 'The request body is too large.',
      });
    }
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (cause) {
    throw new TinyLLMError({ code: 'INVALID_REQUEST', message: 'The body is not JSON.', cause });
  }
}

function sendJson(response: ServerResponse, status: number, value: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
}

/** A router whose models are the registry's, created on first use, recording usage. */
async function routerFor(settings: ChatServerSettings): Promise<Router> {
  const { items } = await settings.registry.models.list({ enabled: true, limit: 1000 });
  const models: Record<string, () => Promise<ChatModel>> = {};
  for (const record of items) {
    models[record.name] = async () =>
      withHooks(
        await createModelForRecord(record, settings.manager),
        settings.registry.usageHooks(record),
        { modelName: record.name },
      );
  }
  // No retries: a chat UI shows errors at once, and the user decides whether to try again.
  return createRouter({ models, retry: { maxRetries: 0 } });
}

/** Creates the server (not listening yet). */
export function createChatServer(settings: ChatServerSettings): Server {
  let router: Promise<Router> | undefined;
  const getRouter = () => {
    router ??= routerFor(settings);
    return router;
  };

  async function chat(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = parseChatBody(await readJson(request));
    if ('error' in body) {
      sendJson(response, 400, { error: { code: 'INVALID_REQUEST', message: body.error } });
      return;
    }
    const routerInstance = await getRouter();
    if (!routerInstance.names.includes(body.model)) {
      sendJson(response, 404, {
        error: { code: 'MODEL_NOT_FOUND', message: `No model ${body.model}.` },
      });
      return;
    }
    const controller = new AbortController();
    // The client went away (Stop button, closed tab): stop generating.
    response.on('close', () => {
      if (!response.writableFinished) controller.abort();
    });
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    const send = (event: string, data: unknown) =>
      response.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    try {
      const events = streamTools(
        routerInstance.model(body.model),
        { messages: body.messages },
        { tools: settings.tools, maxSteps: settings.maxSteps ?? 4, signal: controller.signal },
      );
      for await (const event of events) {
        if (event.type === 'text-delta') send('text', { text: event.text });
        else if (event.type === 'tool-call') send('tool-call', event.toolCall);
        else if (event.type === 'tool-result') {
          send('tool-result', {
            id: event.toolResult.toolCall.id,
            content: event.toolResult.content,
            isError: event.toolResult.isError,
          });
        } else if (event.type === 'finish') {
          send('usage', { usage: event.usage, timings: event.timings });
        }
      }
      send('done', {});
    } catch (error) {
      if (controller.signal.aborted) return;
      const typed = TinyLLMError.isInstance(error)
        ? error
        : new TinyLLMError({ code: 'GENERATION_FAILED', message: String(error), cause: error });
      send('error', { code: typed.code, message: typed.message });
    } finally {
      response.end();
    }
  }

  return createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const route = `${request.method} ${url.pathname}`;
    const handle = async () => {
      if (route === 'GET /') {
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(pageHtml);
      } else if (route === 'GET /api/models') {
        const { items } = await settings.registry.models.list({ enabled: true, limit: 1000 });
        sendJson(
          response,
          200,
          items.map((record) => ({
            name: record.name,
            provider: record.provider,
            modelId: record.modelId,
          })),
        );
      } else if (route === 'POST /api/chat') {
        await chat(request, response);
      } else {
        sendJson(response, 404, { error: { code: 'NOT_FOUND', message: `No route ${route}.` } });
      }
    };
    handle().catch((error: unknown) => {
      if (response.headersSent) response.end();
      else {
        const typed = TinyLLMError.isInstance(error) ? error : undefined;
        sendJson(response, typed?.code === 'INVALID_REQUEST' ? 400 : 500, {
          error: {
            code: typed?.code ?? 'GENERATION_FAILED',
            message: String((error as Error).message),
          },
        });
      }
    });
  });
}
