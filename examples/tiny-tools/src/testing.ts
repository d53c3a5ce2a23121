/**
 * Test helpers shared by the examples (`@tinyllm/example-tools/testing`): the browser of every
 * end-to-end test (`launchBrowser`, see browser.ts), and a local OpenAI-compatible server: it
 * streams one word every 50 ms for a minute, so a test can stop a reply halfway and check that
 * the request was closed (generation stopped).
 */
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export { browserArgs, launchBrowser } from './browser';
export {
  type TerminalSession,
  type TerminalSessionOptions,
  startTerminalSession,
} from './terminal-session';

export interface FakeRequest {
  body: { model?: string; messages?: Array<{ role: string; content: unknown }> };
  /** True when the client closed the connection before the reply ended. */
  closedEarly: boolean;
  chunksSent: number;
}

export interface FakeOpenAIServer {
  /** Base URL including `/v1`. */
  url: string;
  requests: FakeRequest[];
  close(): Promise<void>;
}

function chunk(model: string, delta: Record<string, unknown>, finishReason: string | null) {
  return `data: ${JSON.stringify({
    id: 'chatcmpl-test',
    object: 'chat.completion.chunk',
    created: 0,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  })}\n\n`;
}

export async function startFakeOpenAIServer(): Promise<FakeOpenAIServer> {
  const requests: FakeRequest[] = [];
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    for await (const part of request) text += part;
    if (request.url !== '/v1/chat/completions' || request.method !== 'POST') {
      response.writeHead(404).end('{}');
      return;
    }
    const entry: FakeRequest = { body: JSON.parse(text), closedEarly: false, chunksSent: 0 };
    requests.push(entry);
    const model = entry.body.model ?? 'slow';
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let done = false;
    const timer = setInterval(() => {
      entry.chunksSent++;
      response.write(chunk(model, { content: `word${entry.chunksSent} ` }, null));
      if (entry.chunksSent >= 1200) {
        done = true;
        clearInterval(timer);
        response.end(`${chunk(model, {}, 'stop')}data: [DONE]\n\n`);
      }
    }, 50);
    response.on('close', () => {
      clearInterval(timer);
      if (!done) entry.closedEarly = true;
    });
  };
  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
