/**
 * The AI SDK chat end to end on the shipped tiny model: ai's own chat transport and UI message
 * reader (what `useChat` runs) read the server's stream, and headless Chromium drives the page.
 */
import type { AddressInfo } from 'node:net';
import { dirname } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { tinyModelDir, tinyTools } from '@tinyllm/example-tools';
import { launchBrowser } from '@tinyllm/example-tools/testing';
import { createModelManager, createTransformers } from '@tinyllm/providers/transformers';
import { DefaultChatTransport, type UIMessage, readUIMessageStream } from 'ai';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAIChatApp } from './server';

const manager = createModelManager();
const transformers = createTransformers({ modelsDir: dirname(tinyModelDir), manager });
let server: ServerType;
let baseUrl: string;
let browser: Browser | undefined;

beforeAll(async () => {
  const model = transformers('tiny-tool-qwen', { defaultMaxOutputTokens: 96 });
  await model.load();
  const app = createAIChatApp({ model, tools: tinyTools });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
  });
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
  await manager.dispose();
});

describe('the AI SDK chat', () => {
  it("answers useChat's request with a UI message stream: a calculator call, then 84", async () => {
    const transport = new DefaultChatTransport<UIMessage>({ api: `${baseUrl}/api/chat` });
    const chunks = await transport.sendMessages({
      chatId: 'chat-1',
      messageId: undefined,
      trigger: 'submit-message',
      abortSignal: undefined,
      messages: [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'What is 12 * 7?' }] }],
    });
    let last: UIMessage | undefined;
    for await (const message of readUIMessageStream({ stream: chunks })) last = message;
    const tool = last?.parts.find((part) => part.type === 'tool-calculator');
    expect(tool).toMatchObject({ state: 'output-available', output: { result: 84 } });
    const text = last?.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
    expect(text).toContain('84');
  });

  it('shows the tool call and the answer in the page (Chromium)', async () => {
    browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(baseUrl);
    await page.fill('#prompt', 'What is 12 * 7?');
    await page.click('#send');
    await page.waitForSelector('body[data-state="idle"]', { timeout: 90_000 });
    expect(await page.textContent('.assistant .tool[data-tool="calculator"]')).toContain('84');
    expect(await page.textContent('.assistant')).toMatch(/84\.?\s*$/);
  });
});
