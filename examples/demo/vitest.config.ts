import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The end-to-end test loads the tiny model and generates a few answers on a shared CPU.
    testTimeout: 120_000,
  },
});
