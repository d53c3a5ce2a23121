import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Drives the page in headless Chromium with the tiny model on a shared CPU.
    testTimeout: 120_000,
    // beforeAll launches Chromium (unpacked from npm on first use) and loads the model.
    hookTimeout: 120_000,
  },
});
