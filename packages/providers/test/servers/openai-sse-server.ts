/**
 * A local server speaking the OpenAI chat-completions SSE format as vLLM/llama.cpp/OpenAI do,
 * with flavours for TGI (`{"error": "...", "error_type": ...}` bodies, tool arguments as an
 * object, usage on the last chunk) and the Hugging Face router (`{"error": "..."}` bodies).
 */
import type { ServerResponse } from 'node:http';
import type { ConformanceScenario } from '../../src/testing/conformance';
import { type FaultScenario, bearerKey, holdOpen } from './fault-scenarios';
import { HttpTestServer, type RecordedRequest, sendJson, sleep } from './http-test-server';

/** A scenario the server can play: the conformance ones plus raw payloads. */
export type SseScenario =
  | ConformanceScenario
  /** Send `body` as it is (malformed frames, odd spacing...). */
  | { kind: 'raw'; status?: number; contentType?: string; body: string }
  | FaultScenario;

/** Server flavour: whose wire details to imitate. */
export type SseFlavor = 'openai' | 'tgi' | 'hf-router';

/** Options of {@link startOpenAISseServer}. */
export interface OpenAISseServerOptions {
  flavor?: SseFlavor;
  /** `data: ` (default) or `data:` (no space, as some servers send). */
  dataPrefix?: 'data: ' | 'data:';
  /** Paths that answer chat completions (default `/v1/chat/completions`). */
  chatPaths?: string[];
  /** Extra `GET` routes answering JSON (e.g. the Hub's model info for provider mapping). */
  jsonRoutes?: Record<string, unknown>;
}

/** The running server with its scenario queue. */
export interface OpenAISseServer {
  server: HttpTestServer;
  url: string;
  /** Replaces the queue: scenarios are served one per chat request, in order. */
  script(scenarios: SseScenario[]): void;
  /** Bodies of the chat requests received, parsed. */
  chatRequests(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

let created = 1_763_000_000;

function chunkJson(
  model: string,
  delta: Record<string, unknown>,
  finishReason: string | null,
  extra: Record<string, unknown> = {},
): string {
  return JSON.stringify({
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    created: created++,
    model,
    system_fingerprint: 'fp_test',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...extra,
  });
}

function usageJson(usage: { inputTokens: number; outputTokens: number }): Record<string, unknown> {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

function errorBody(flavor: SseFlavor, status: number, message: string): unknown {
  if (flavor === 'tgi')
    return {
      error: message,
      error_type: status === 422 ? 'validation' : status === 503 ? 'overloaded' : 'generation',
    };
  if (flavor === 'hf-router') return { error: message };
  return {
    error: {
      message,
      type: status >= 500 ? 'server_error' : 'invalid_request_error',
      code: String(status),
    },
  };
}

/** Starts the server. */
export async function startOpenAISseServer(
  options: OpenAISseServerOptions = {},
): Promise<OpenAISseServer> {
  const flavor = options.flavor ?? 'openai';
  const prefix = options.dataPrefix ?? 'data: ';
  const chatPaths = options.chatPaths ?? ['/v1/chat/completions'];
  const queue: SseScenario[] = [];

  const sse = async (
    server: HttpTestServer,
    response: ServerResponse,
    json: string,
  ): Promise<void> => {
    await server.write(response, `${prefix}${json}\n\n`);
  };

  const play = async (
    scenario: SseScenario,
    request: RecordedRequest,
    response: ServerResponse,
    server: HttpTestServer,
  ): Promise<void> => {
    const body = (request.json ?? {}) as {
      model?: string;
      stream_options?: { include_usage?: boolean };
    };
    const model = body.model ?? 'test-model';
    const includeUsage = body.stream_options?.include_usage === true;
    const startStream = (): void => {
      response.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
      });
    };
    switch (scenario.kind) {
      case 'raw':
        response.writeHead(scenario.status ?? 200, {
          'content-type': scenario.contentType ?? 'text/event-stream',
        });
        await server.write(response, scenario.body);
        response.end();
        return;
      case 'http-error': {
        const headers: Record<string, string> = {};
        if (scenario.retryAfterSeconds !== undefined)
          headers['retry-after'] = String(scenario.retryAfterSeconds);
        sendJson(
          response,
          scenario.status,
          errorBody(flavor, scenario.status, scenario.message),
          headers,
        );
        return;
      }
      case 'context-overflow':
        if (flavor === 'tgi')
          sendJson(response, 422, {
            error:
              'Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096. Given: 4000 `inputs` tokens and 200 `max_new_tokens`',
            error_type: 'validation',
          });
        else
          sendJson(
            response,
            400,
            errorBody(
              flavor,
              400,
              "This model's maximum context length is 40960 tokens. However, you requested 51200 tokens (51000 in the messages, 200 in the completion).",
            ),
          );
        return;
      case 'text':
      case 'slow-text': {
        startStream();
        await sse(server, response, chunkJson(model, { role: 'assistant', content: '' }, null));
        for (const text of scenario.chunks) {
          if (scenario.kind === 'slow-text') await sleep(scenario.delayMs);
          await sse(server, response, chunkJson(model, { content: text }, null));
        }
        const finishReason = scenario.kind === 'text' ? scenario.finishReason : 'stop';
        const usage =
          scenario.kind === 'text'
            ? scenario.usage
            : { inputTokens: 5, outputTokens: scenario.chunks.length };
        if (flavor === 'tgi') {
          // TGI puts usage on the final chunk, and says eos_token/length.
          await sse(
            server,
            response,
            chunkJson(model, {}, finishReason === 'stop' ? 'eos_token' : finishReason, {
              usage: usageJson(usage),
            }),
          );
        } else {
          await sse(server, response, chunkJson(model, {}, finishReason));
          if (includeUsage)
            await sse(
              server,
              response,
              JSON.stringify({
                id: 'chatcmpl-test',
                object: 'chat.completion.chunk',
                created,
                model,
                choices: [],
                usage: usageJson(usage),
              }),
            );
        }
        await server.write(response, `${prefix}[DONE]\n\n`);
        response.end();
        return;
      }
      case 'tool-call': {
        startStream();
        const { id, name, arguments: args } = scenario.toolCall;
        await sse(server, response, chunkJson(model, { role: 'assistant', content: null }, null));
        if (flavor === 'tgi') {
          await sse(
            server,
            response,
            chunkJson(
              model,
              {
                tool_calls: [
                  { index: 0, id: '', type: 'function', function: { name, arguments: args } },
                ],
              },
              null,
            ),
          );
          await sse(
            server,
            response,
            chunkJson(model, {}, 'eos_token', { usage: usageJson(scenario.usage) }),
          );
        } else {
          await sse(
            server,
            response,
            chunkJson(
              model,
              {
                tool_calls: [{ index: 0, id, type: 'function', function: { name, arguments: '' } }],
              },
              null,
            ),
          );
          const json = JSON.stringify(args);
          const third = Math.ceil(json.length / 3);
          for (let offset = 0; offset < json.length; offset += third)
            await sse(
              server,
              response,
              chunkJson(
                model,
                {
                  tool_calls: [
                    { index: 0, function: { arguments: json.slice(offset, offset + third) } },
                  ],
                },
                null,
              ),
            );
          await sse(server, response, chunkJson(model, {}, 'tool_calls'));
          if (includeUsage)
            await sse(
              server,
              response,
              JSON.stringify({ choices: [], usage: usageJson(scenario.usage) }),
            );
        }
        await server.write(response, `${prefix}[DONE]\n\n`);
        response.end();
        return;
      }
      case 'endless': {
        startStream();
        const previous = server.splitWrites;
        server.splitWrites = false;
        try {
          while (!response.destroyed) {
            response.write(`${prefix}${chunkJson(model, { content: scenario.chunk }, null)}\n\n`);
            await sleep(scenario.intervalMs);
          }
        } finally {
          server.splitWrites = previous;
        }
        return;
      }
      case 'silent':
        await holdOpen(response);
        return;
      case 'stall':
        startStream();
        for (const text of scenario.chunks)
          await sse(server, response, chunkJson(model, { content: text }, null));
        await holdOpen(response);
        return;
      case 'echo-key': {
        const key = bearerKey(request);
        const message =
          flavor === 'openai'
            ? `Incorrect API key provided: ${key}. You can find your API key in your account settings.`
            : `Authorization header is invalid: ${key}`;
        sendJson(response, scenario.status, errorBody(flavor, scenario.status, message));
        return;
      }
      case 'malformed':
        startStream();
        for (const text of scenario.chunks)
          await sse(server, response, chunkJson(model, { content: text }, null));
        await server.write(response, `${prefix}{"choices": [{"delta": {"content": "lost\n\n`);
        await sse(server, response, chunkJson(model, { content: 'after' }, null));
        await sse(server, response, chunkJson(model, {}, 'stop'));
        await server.write(response, `${prefix}[DONE]\n\n`);
        response.end();
        return;
      case 'drop': {
        startStream();
        for (const text of scenario.chunks)
          await sse(server, response, chunkJson(model, { content: text }, null));
        await sleep(20);
        response.socket?.destroy();
        return;
      }
    }
  };

  const server = await HttpTestServer.start(async (request, response, self) => {
    if (request.method === 'POST' && chatPaths.includes(request.path.split('?')[0]!)) {
      const scenario = queue.shift();
      if (!scenario) {
        sendJson(response, 500, { error: 'test server: no scenario queued' });
        return;
      }
      await play(scenario, request, response, self);
      return;
    }
    const route = options.jsonRoutes?.[request.path.split('?')[0]!];
    if (request.method === 'GET' && route !== undefined) {
      sendJson(response, 200, route);
      return;
    }
    sendJson(response, 404, errorBody(flavor, 404, `no route ${request.method} ${request.path}`));
  });

  return {
    server,
    url: server.url,
    script(scenarios) {
      queue.length = 0;
      queue.push(...scenarios);
    },
    chatRequests() {
      return server.requests
        .filter((request) => chatPaths.includes(request.path.split('?')[0]!))
        .map((request) => request.json as Record<string, unknown>);
    },
    close: () => server.close(),
  };
}
