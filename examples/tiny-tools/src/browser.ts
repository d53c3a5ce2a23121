/**
 * The browser of every end-to-end test (`@tinyllm/example-tools/testing`): a real headless
 * Chromium that comes from npm, so the tests need nothing installed but Node and npm.
 * `@sparticuz/chromium` ships a Chromium build inside the package (unpacked once to the temp
 * directory on first use); `playwright-core` drives it. Pinned to 143.x, whose engines cover
 * Node 20.11+ (later majors need Node 22.17+). There is no fallback to another browser: a test
 * that passes here passed in this one.
 */
import sparticuzChromium from '@sparticuz/chromium';
import { type Browser, type LaunchOptions, chromium } from 'playwright-core';

/**
 * Flags for a test machine: no sandbox (tests often run as root in containers, where Chromium's
 * sandbox cannot start), and nothing that reaches the network on its own (the tests talk to
 * loopback servers only).
 */
export const browserArgs: readonly string[] = [
  '--no-sandbox',
  '--no-zygote',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-domain-reliability',
  '--disable-sync',
  '--disable-quic',
  '--no-pings',
];

/**
 * Launches headless Chromium. Each launch has a fresh, temporary profile; close the browser
 * when done (`await browser.close()`).
 */
export async function launchBrowser(options: LaunchOptions = {}): Promise<Browser> {
  const executablePath = await sparticuzChromium.executablePath();
  return chromium.launch({
    ...options,
    executablePath,
    headless: true,
    args: [...browserArgs, ...(options.args ?? [])],
  });
}
