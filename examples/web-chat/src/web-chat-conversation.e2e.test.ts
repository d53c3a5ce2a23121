/**
 * A whole conversation with the shipped tiny model in headless Chromium: a tool call, a
 * follow-up that needs the previous answer, a switch to another tool, another follow-up, and
 * thanks. The page keeps the history as the text of the answers, so every turn after the first
 * is answered with it.
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
import { launchBrowser } from '@tinyllm/example-tools/testing';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createChatServer } from './server';

const workDir = mkdtempSync(join(tmpdir(), 'tinyllm-web-chat-conversation-'));
const manager = createModelManager();
let registry: Registry;
let server: Server;
let browser: Browser;
let page: Page;

beforeAll(async () => {
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
  server = createChatServer({ registry, manager, tools: tinyTools });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  // Chromium from npm (@sparticuz/chromium), a fresh temporary profile per launch.
  browser = await launchBrowser();
  page = await browser.newPage();
  await page.goto(baseUrl);
  await page.waitForSelector('#model option', { state: 'attached' });
  await page.selectOption('#model', 'tiny-tool-qwen');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await manager.dispose();
  await registry?.close();
  rmSync(workDir, { recursive: true, force: true });
});

/** Sends one message; returns the tool calls rendered for it and the answer bubble's text. */
async function say(message: string): Promise<{ calls: string[]; answer: string }> {
  const usages = await page.locator('.usage').count();
  const callsBefore = await page.locator('.tool-call').count();
  await page.fill('#input', message);
  await page.click('#send');
  // One usage line per model call; the reply is done when Send is enabled again.
  await expect
    .poll(() => page.locator('.usage').count(), { timeout: 90_000 })
    .toBeGreaterThan(usages);
  await expect.poll(() => page.locator('#send').isDisabled(), { timeout: 90_000 }).toBe(false);
  const calls = (await page.locator('.tool-call').allTextContents()).slice(callsBefore);
  const answer = (await page.locator('.assistant').last().textContent()) ?? '';
  return { calls, answer };
}

describe('a conversation with the tiny model in the web chat', () => {
  it('answers every turn: tool, follow-up, tool switch, follow-up, thanks', async () => {
    const first = await say('what is 12 times 7?');
    expect(first.calls).toEqual(['calculator({"expression":"12 * 7"}) → {"result":84}']);
    expect(first.answer).toContain('84');

    // Only makes sense with the history: the model must take 84 from its previous answer.
    const double = await say('double that');
    expect(double.calls).toEqual(['calculator({"expression":"84 * 2"}) → {"result":168}']);
    expect(double.answer).toContain('168');
    // The local model continued from its KV cache of the first turn (prompt caching).
    const usage = (await page.locator('.usage').last().textContent()) ?? '';
    const [, input, cached] = /^(\d+) in \((\d+) cached\) \+ \d+ out tokens/.exec(usage) ?? [];
    expect(Number(cached), usage).toBeGreaterThan(Number(input) / 2);

    const paris = await say("what's the weather in Paris?");
    expect(paris.calls).toEqual([
      'get_weather({"city":"Paris"}) → {"city":"Paris","condition":"sunny","temperature_c":21}',
    ]);
    expect(paris.answer).toMatch(/sunny.*21/);

    const berlin = await say('and in Berlin?');
    expect(berlin.calls).toEqual([
      'get_weather({"city":"Berlin"}) → {"city":"Berlin","condition":"cloudy","temperature_c":12}',
    ]);
    expect(berlin.answer).toMatch(/cloudy.*12/);

    const thanks = await say('thanks!');
    expect(thanks.calls).toEqual([]);
    expect(thanks.answer).toBe("You're welcome!");
  });
});
