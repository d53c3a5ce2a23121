/**
 * End to end in headless Chromium: type a message, see streamed text and a rendered tool call;
 * press Stop and check that generation stopped on the server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { tinyModelDir, tinyTools } from '@tinyllm/example-tools';
import { createModelManager } from '@tinyllm/providers/transformers';
import { type Registry, createRegistry } from '@tinyllm/registry';
import { createJsonFileStorage } from '@tinyllm/registry/json-file';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeOpenAIServer,
  launchBrowser,
  startFakeOpenAIServer,
} from '@tinyllm/example-tools/testing';
import { createChatServer } from './server';

const workDir = mkdtempSync(join(tmpdir(), 'tinyllm-web-chat-'));
const manager = createModelManager();
let registry: Registry;
let fake: FakeOpenAIServer;
let server: Server;
let browser: Browser;
let page: Page;
let baseUrl: string;

beforeAll(async () => {
  fake = await startFakeOpenAIServer();
  registry = createRegistry({
    storage: createJsonFileStorage({ path: join(workDir, 'registry.json') }),
  });
  await registry.models.register({
    name: 'tiny-tool-qwen',
    provider: 'transformers',
    baseUrl: dirname(tinyModelDir),
    modelId: 'tiny-tool-qwen',
    maxOutputTokens: 96,
  });
  await registry.models.register({
    name: 'slow-server',
    provider: 'openai-compatible',
    baseUrl: fake.url,
    modelId: 'slow',
    supportsFunctions: false,
  });
  server = createChatServer({ registry, manager, tools: tinyTools });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  // Chromium from npm (@sparticuz/chromium), a fresh temporary profile per launch.
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.goto(baseUrl);
});

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await manager.dispose();
  await registry?.close();
  await fake?.close();
  rmSync(workDir, { recursive: true, force: true });
});

describe('web chat in a browser', () => {
  it('lists the registry models', async () => {
    await page.waitForSelector('#model option', { state: 'attached' });
    const options = await page.locator('#model option').allTextContents();
    expect(options).toEqual(['slow-server (openai-compatible)', 'tiny-tool-qwen (transformers)']);
  });

  it('streams the reply and renders the tool call with its result', async () => {
    await page.selectOption('#model', 'tiny-tool-qwen');
    await page.fill('#input', 'what is 12 times 7?');
    await page.click('#send');
    const call = page.locator('.tool-call[data-name="calculator"]');
    await call.waitFor({ timeout: 60_000 });
    await page.locator('.usage').nth(1).waitFor({ timeout: 60_000 });
    expect(await call.textContent()).toBe('calculator({"expression":"12 * 7"}) → {"result":84}');
    const answer = page.locator('.assistant').last();
    expect(await answer.textContent()).toContain('84');
    // Streamed: the answer arrived in several text events, not in one piece.
    expect(Number(await answer.getAttribute('data-deltas'))).toBeGreaterThan(1);
    await expect.poll(() => page.locator('#send').isDisabled()).toBe(false);
  });

  it('Stop aborts the request and the server stops generating', async () => {
    await page.selectOption('#model', 'slow-server');
    await page.fill('#input', 'tell me a long story');
    await page.click('#send');
    await page.locator('.assistant', { hasText: 'word3 ' }).waitFor({ timeout: 20_000 });
    await page.click('#stop');
    await page.locator('.usage', { hasText: '(stopped)' }).waitFor();
    await expect.poll(() => fake.requests.at(-1)?.closedEarly, { timeout: 10_000 }).toBe(true);
    const sent = fake.requests.at(-1)!.chunksSent;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.requests.at(-1)!.chunksSent).toBe(sent);
    expect(sent).toBeLessThan(1200);
  });

  it('refuses an unknown model and an invalid body', async () => {
    const unknown = await fetch(`${baseUrl}api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(unknown.status).toBe(404);
    const invalid = await fetch(`${baseUrl}api/chat`, {
      method: 'POST',
      body: JSON.stringify({ model: 'tiny-tool-qwen', messages: [] }),
    });
    expect(invalid.status).toBe(400);
    expect((await invalid.json()).error.code).toBe('INVALID_REQUEST');
  });
});
