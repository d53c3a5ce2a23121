import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Drives the CLI in a pseudo-terminal with the tiny model: a few seconds per step on a shared CPU.
    testTimeout: 120_000,
  },
});
