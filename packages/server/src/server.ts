/**
 * `createServer()`: the OpenAI-compatible HTTP API as a standard fetch handler, routed by Hono,
 * so it runs under Node (`@tinyllm/server/node`), Bun, Deno or any fetch-based host. It only
 * translates: HTTP ↔ `ChatModel`.
 */
import { type ModelHooks, TinyLLMError } from '@tinyllm/core';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { type SSEStreamingApi, streamSSE } from 'hono/streaming';
import { bearerToken, createKeyCheck } from './auth';
import { healthReport } from './health';
import { type ModelSources, createModelCatalog } from './model-catalog';
import { errorResponse, streamErrorBody, unauthorizedResponse } from './openai/errors';
import {
  ChunkWriter,
  type CompletionIdentity,
  createCompletionId,
  toChatCompletion,
} from './openai/response';
import { parseChatCompletionRequest } from './openai/to-chat-request';

/** Options of {@link createServer}. */
export interface ServerOptions extends ModelSources {
  /**
   * Keys clients must send as `Authorization: Bearer <key>` on `/v1/*`. Default: none (open).
   * `GET /health` stays open for load balancers.
   */
  apiKeys?: readonly string[];
  /** Hooks observing every request on every served model (latency, tokens, errors). */
  hooks?: ModelHooks | readonly ModelHooks[];
  /** Largest request body accepted, in bytes. Default 4 MiB. */
  maxBodyBytes?: number;
}

/** A fetch handler: call it with a `Request`, or hand `server.fetch` to a host. */
export interface TinyLLMServer {
  (request: Request): Promise<Response>;
  fetch(request: Request): Promise<Response>;
}

function invalidBody(message: string): TinyLLMError {
  return new TinyLLMError({ code: 'INVALID_REQUEST', message, retryable: false });
}

const unixSeconds = () => Math.floor(Date.now() / 1000);

/** How long a streamed request may wait for its first event before its headers go out. */
const headersWithinMs = 5_000;
/** Interval of SSE comments while a started stream waits for the model. */
const keepAliveMs = 15_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.());

/** Links the request's signal (client went away) to a controller the generation listens to. */
function abortOnDisconnect(request: Request): AbortController {
  const controller = new AbortController();
  const signal = request.signal;
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener('abort', () => controller.abort(signal.reason), { once: true });
  return controller;
}

async function writeChunk(sse: SSEStreamingApi, chunk: unknown): Promise<void> {
  await sse.writeSSE({ data: JSON.stringify(chunk) });
}

/**
 * Creates the server: `GET /v1/models`, `GET /v1/models/:id`, `POST /v1/chat/completions`
 * (JSON or SSE exactly as OpenAI streams it) and `GET /health`.
 *
 * @example
 * ```ts
 * import { createServer } from '@tinyllm/server';
 * import { serve } from '@tinyllm/server/node';
 * const server = createServer({ models: { 'tiny-tool-qwen': transformers('tiny-tool-qwen') } });
 * await serve(server, { port: 8080 });
 * ```
 */
export function createServer(options: ServerOptions): TinyLLMServer {
  const hooks =
    options.hooks === undefined
      ? []
      : Array.isArray(options.hooks)
        ? (options.hooks as readonly ModelHooks[])
        : [options.hooks as ModelHooks];
  const catalog = createModelCatalog(options, hooks);
  const checkKey =
    options.apiKeys && options.apiKeys.length > 0 ? createKeyCheck(options.apiKeys) : undefined;
  const app = new Hono();

  app.onError((error) => errorResponse(error));
  app.notFound((c) =>
    errorResponse(
      new TinyLLMError({
        code: 'NOT_FOUND',
        message: `Invalid URL (${c.req.method} ${new URL(c.req.url).pathname}).`,
        retryable: false,
      }),
    ),
  );

  app.get('/health', (c) => c.json(healthReport(catalog.managers())));

  app.use('/v1/*', async (c, next) => {
    if (checkKey && !(await checkKey(bearerToken(c.req.header('authorization'))))) {
      return unauthorizedResponse();
    }
    await next();
  });

  app.get('/v1/models', async (c) => {
    const created = unixSeconds();
    const entries = await catalog.list();
    return c.json({
      object: 'list',
      data: entries.map((entry) => ({
        id: entry.id,
        object: 'model',
        created,
        owned_by: entry.ownedBy,
      })),
    });
  });

  app.get('/v1/models/:id{.+}', async (c) => {
    const id = c.req.param('id');
    const entry = (await catalog.list()).find((candidate) => candidate.id === id);
    if (!entry) {
      throw new TinyLLMError({
        code: 'MODEL_NOT_FOUND',
        message: `The model "${id}" does not exist or is not served here.`,
        retryable: false,
      });
    }
    return c.json({ id, object: 'model', created: unixSeconds(), owned_by: entry.ownedBy });
  });

  app.post(
    '/v1/chat/completions',
    bodyLimit({
      maxSize: options.maxBodyBytes ?? 4 * 1024 * 1024,
      onError: () =>
        errorResponse(invalidBody('The request body is too large.'), { upstream: false }),
    }),
    async (c) => {
      let body: unknown;
      try {
        body = await c.req.json();
      } catch {
        throw invalidBody('The request body must be a JSON object.');
      }
      const parsed = parseChatCompletionRequest(body);
      const model = await catalog.resolve(parsed.model);
      const controller = abortOnDisconnect(c.req.raw);
      const identity: CompletionIdentity = {
        id: createCompletionId(),
        created: unixSeconds(),
        model: parsed.model,
      };

      if (!parsed.stream) {
        const response = await model.chat(parsed.request, { signal: controller.signal });
        return c.json(toChatCompletion(identity, response));
      }

      // The first event is awaited (briefly) before the 200 goes out, so a request refused up
      // front (queue full, unknown tool, model failed to load) gets its own status and
      // Retry-After. A request still waiting its turn after that gets its headers and SSE
      // comments while it waits: HTTP clients give up on headers that take minutes (undici after
      // 300 s), and a long local queue can take that long.
      const iterator = model
        .stream(parsed.request, { signal: controller.signal })
        [Symbol.asyncIterator]();
      const firstEvent = iterator.next();
      firstEvent.catch(() => {});
      const early = await Promise.race([
        firstEvent.then(
          (value) => ({ value }),
          (error: unknown) => ({ error }),
        ),
        sleep(headersWithinMs).then(() => undefined),
      ]);
      if (early && 'error' in early) {
        controller.abort();
        throw early.error;
      }
      const writer = new ChunkWriter(identity, parsed.includeUsage);
      return streamSSE(c, async (sse) => {
        // The client went away (or the host cancelled the body): stop generating at once,
        // which frees the local model's queue slot.
        sse.onAbort(() => controller.abort());
        try {
          let waiting = true;
          // Both branches handled: `.finally` would pass a rejection (the client left while
          // queued: ABORTED) on to a promise nobody awaits, and crash the process.
          const stopWaiting = () => {
            waiting = false;
          };
          void firstEvent.then(stopWaiting, stopWaiting);
          while (waiting && !controller.signal.aborted) {
            await Promise.race([firstEvent.catch(() => {}), sleep(keepAliveMs)]);
            if (waiting) await sse.write(': waiting for the model\n\n');
          }
          let step = await firstEvent;
          await writeChunk(sse, writer.start());
          while (!step.done) {
            const event = step.value;
            if (event.type === 'text-delta') await writeChunk(sse, writer.text(event.text));
            else if (event.type === 'reasoning-delta') {
              await writeChunk(sse, writer.reasoning(event.text));
            } else if (event.type === 'tool-call') {
              for (const chunk of writer.toolCall(event.toolCall)) await writeChunk(sse, chunk);
            } else if (event.type === 'finish') {
              for (const chunk of writer.finish(event.finishReason, event.usage)) {
                await writeChunk(sse, chunk);
              }
            }
            if (controller.signal.aborted) break;
            step = await iterator.next();
          }
          if (!controller.signal.aborted) await sse.writeSSE({ data: '[DONE]' });
        } catch (error) {
          if (!controller.signal.aborted) {
            // Headers are gone: OpenAI reports a mid-stream failure as an `error` data event.
            await sse.writeSSE({ data: JSON.stringify(streamErrorBody(error)) }).catch(() => {});
          }
        } finally {
          controller.abort();
          await iterator.return?.().catch(() => {});
        }
      });
    },
  );

  const handler = ((request: Request) => Promise.resolve(app.fetch(request))) as TinyLLMServer;
  handler.fetch = handler;
  return handler;
}
