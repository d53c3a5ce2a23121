/**
 * A local server speaking Ollama's API: NDJSON `/api/chat` and `/api/pull`, `/api/tags`,
 * `/api/show`, `/api/delete`, and `{"error": "..."}` error bodies.
 */
import type { ServerResponse } from 'node:http';
import type { ConformanceScenario } from '../../src/testing/conformance';
import { type FaultScenario, bearerKey, holdOpen } from './fault-scenarios';
import { HttpTestServer, type RecordedRequest, sendJson, sleep } from './http-test-server';

/** A scenario the server can play on `/api/chat`. */
export type OllamaScenario =
  | ConformanceScenario
  | FaultScenario
  /** Send `body` as it is. */
  | { kind: 'raw'; status?: number; contentType?: string; body: string }
  /** Stream `chunks`, then an `{"error": ...}` line (an error after the stream started). */
  | { kind: 'error-line'; chunks: string[]; error: string }
  /** Reply with thinking, then text. */
  | { kind: 'thinking'; thinking: string[]; chunks: string[] };

/** The running server. */
export interface OllamaTestServer {
  server: HttpTestServer;
  url: string;
  /** Replaces the queue of `/api/chat` scenarios. */
  script(scenarios: OllamaScenario[]): void;
  /** Installed models (what `/api/tags` lists); `/api/pull` adds, `/api/delete` removes. */
  models: Set<string>;
  /** Bodies of `/api/chat` requests, parsed. */
  chatRequests(): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

const nanoseconds = (ms: number): number => Math.round(ms * 1e6);

function line(
  model: string,
  message: Record<string, unknown>,
  done = false,
  extra: Record<string, unknown> = {},
): string {
  return `${JSON.stringify({ model, created_at: new Date(0).toISOString(), message: { role: 'assistant', content: '', ...message }, done, ...extra })}\n`;
}

function doneLine(
  model: string,
  reason: string,
  usage: { inputTokens: number; outputTokens: number },
): string {
  return line(model, {}, true, {
    done_reason: reason,
    total_duration: nanoseconds(1500),
    load_duration: nanoseconds(250),
    prompt_eval_count: usage.inputTokens,
    prompt_eval_duration: nanoseconds(100),
    eval_count: usage.outputTokens,
    eval_duration: nanoseconds(1000),
  });
}

/** Starts the server. */
export async function startOllamaServer(): Promise<OllamaTestServer> {
  const queue: OllamaScenario[] = [];
  const models = new Set<string>(['qwen3:0.6b']);

  const ndjson = (response: ServerResponse): void => {
    response.writeHead(200, { 'content-type': 'application/x-ndjson' });
  };

  const playChat = async (
    scenario: OllamaScenario,
    request: RecordedRequest,
    response: ServerResponse,
    server: HttpTestServer,
  ): Promise<void> => {
    const model = ((request.json ?? {}) as { model?: string }).model ?? 'qwen3:0.6b';
    switch (scenario.kind) {
      case 'raw':
        response.writeHead(scenario.status ?? 200, {
          'content-type': scenario.contentType ?? 'application/x-ndjson',
        });
        await server.write(response, scenario.body);
        response.end();
        return;
      case 'http-error': {
        const headers: Record<string, string> = {};
        if (scenario.retryAfterSeconds !== undefined)
          headers['retry-after'] = String(scenario.retryAfterSeconds);
        sendJson(response, scenario.status, { error: scenario.message }, headers);
        return;
      }
      case 'context-overflow':
        sendJson(response, 400, { error: 'the input length exceeds the context length' });
        return;
      case 'text':
        ndjson(response);
        for (const text of scenario.chunks)
          await server.write(response, line(model, { content: text }));
        await server.write(response, doneLine(model, scenario.finishReason, scenario.usage));
        response.end();
        return;
      case 'thinking':
        ndjson(response);
        for (const text of scenario.thinking)
          await server.write(response, line(model, { thinking: text }));
        for (const text of scenario.chunks)
          await server.write(response, line(model, { content: text }));
        await server.write(response, doneLine(model, 'stop', { inputTokens: 3, outputTokens: 4 }));
        response.end();
        return;
      case 'tool-call':
        ndjson(response);
        // Ollama sends each tool call whole, in one chunk, and (before 0.12) without an id.
        await server.write(
          response,
          line(model, {
            tool_calls: [
              {
                function: { name: scenario.toolCall.name, arguments: scenario.toolCall.arguments },
              },
            ],
          }),
        );
        await server.write(response, doneLine(model, 'stop', scenario.usage));
        response.end();
        return;
      case 'endless':
        ndjson(response);
        while (!response.destroyed) {
          response.write(line(model, { content: scenario.chunk }));
          await sleep(scenario.intervalMs);
        }
        return;
      case 'drop':
        ndjson(response);
        for (const text of scenario.chunks)
          await server.write(response, line(model, { content: text }));
        await sleep(20);
        response.socket?.destroy();
        return;
      case 'silent':
        await holdOpen(response);
        return;
      case 'stall':
        ndjson(response);
        for (const text of scenario.chunks)
          await server.write(response, line(model, { content: text }));
        await holdOpen(response);
        return;
      case 'echo-key':
        // As an authenticating proxy in front of Ollama might answer.
        sendJson(response, scenario.status, {
          error: `unauthorized: the key ${bearerKey(request)} is not valid for this server`,
        });
        return;
      case 'malformed':
        ndjson(response);
        for (const text of scenario.chunks)
          await server.write(response, line(model, { content: text }));
        await server.write(response, '{"model": "m", "message": {"content": "lost\n');
        await server.write(response, line(model, { content: 'after' }));
        await server.write(response, doneLine(model, 'stop', { inputTokens: 1, outputTokens: 2 }));
        response.end();
        return;
      case 'slow-text':
        ndjson(response);
        for (const text of scenario.chunks) {
          await sleep(scenario.delayMs);
          await server.write(response, line(model, { content: text }));
        }
        await server.write(
          response,
          doneLine(model, 'stop', { inputTokens: 1, outputTokens: scenario.chunks.length }),
        );
        response.end();
        return;
      case 'error-line':
        ndjson(response);
        for (const text of scenario.chunks)
          await server.write(response, line(model, { content: text }));
        await server.write(response, `${JSON.stringify({ error: scenario.error })}\n`);
        response.end();
        return;
    }
  };

  const server = await HttpTestServer.start(async (request, response, self) => {
    const path = request.path.split('?')[0];
    const body = (request.json ?? {}) as Record<string, unknown>;
    if (request.method === 'POST' && path === '/api/chat') {
      const scenario = queue.shift();
      if (!scenario) return sendJson(response, 500, { error: 'test server: no scenario queued' });
      return playChat(scenario, request, response, self);
    }
    if (request.method === 'GET' && path === '/api/tags') {
      return sendJson(response, 200, {
        models: [...models].map((name) => ({
          name,
          model: name,
          modified_at: '2025-05-01T10:00:00.000Z',
          size: 522_653_767,
          digest: 'sha256:7df6b6e09427',
          details: {
            parent_model: '',
            format: 'gguf',
            family: 'qwen3',
            families: ['qwen3'],
            parameter_size: '751.63M',
            quantization_level: 'Q4_K_M',
          },
        })),
      });
    }
    if (request.method === 'POST' && path === '/api/show') {
      const name = String(body['model'] ?? body['name']);
      if (!models.has(name)) return sendJson(response, 404, { error: `model '${name}' not found` });
      return sendJson(response, 200, {
        license: 'Apache-2.0',
        modelfile: '# Modelfile',
        parameters: 'temperature 0.6',
        template: '{{- if .Tools }}...{{ end }}',
        details: {
          parent_model: '',
          format: 'gguf',
          family: 'qwen3',
          families: ['qwen3'],
          parameter_size: '751.63M',
          quantization_level: 'Q4_K_M',
        },
        model_info: {
          'general.architecture': 'qwen3',
          'qwen3.context_length': 40960,
          'qwen3.embedding_length': 1024,
        },
        capabilities: ['completion', 'tools', 'thinking'],
        modified_at: '2025-05-01T10:00:00.000Z',
      });
    }
    if (request.method === 'POST' && path === '/api/pull') {
      const name = String(body['model'] ?? body['name']);
      if (name.startsWith('missing'))
        return sendJson(response, 500, { error: 'pull model manifest: file does not exist' });
      ndjson(response);
      const total = 4_000;
      await self.write(response, `${JSON.stringify({ status: 'pulling manifest' })}\n`);
      for (let completed = 1_000; completed <= total; completed += 1_000) {
        await self.write(
          response,
          `${JSON.stringify({ status: 'pulling 7df6b6e09427', digest: 'sha256:7df6b6e09427', total, completed })}\n`,
        );
        if (name.startsWith('slow')) await sleep(50);
      }
      await self.write(response, `${JSON.stringify({ status: 'verifying sha256 digest' })}\n`);
      await self.write(response, `${JSON.stringify({ status: 'writing manifest' })}\n`);
      models.add(name);
      await self.write(response, `${JSON.stringify({ status: 'success' })}\n`);
      response.end();
      return;
    }
    if (request.method === 'DELETE' && path === '/api/delete') {
      const name = String(body['model'] ?? body['name']);
      if (!models.delete(name))
        return sendJson(response, 404, { error: `model '${name}' not found` });
      response.writeHead(200);
      response.end();
      return;
    }
    sendJson(response, 404, { error: '404 page not found' });
  });

  return {
    server,
    url: server.url,
    models,
    script(scenarios) {
      queue.length = 0;
      queue.push(...scenarios);
    },
    chatRequests() {
      return server.requests
        .filter((request) => request.path === '/api/chat')
        .map((request) => request.json as Record<string, unknown>);
    },
    close: () => server.close(),
  };
}
