import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { launchBrowser } from './browser';

const server = createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/html' });
  response.end('<title>t</title><p id="out"></p><script>out.textContent = 6 * 7</script>');
});

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('launchBrowser', () => {
  it('runs a page from a loopback server in Chromium from npm', async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const browser = await launchBrowser();
    try {
      expect(browser.version()).toMatch(/^\d+\./);
      const page = await browser.newPage();
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(await page.textContent('#out')).toBe('42');
    } finally {
      await browser.close();
    }
  }, 120_000);
});
