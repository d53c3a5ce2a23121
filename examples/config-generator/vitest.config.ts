import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Writes a few dozen small files.
    testTimeout: 30_000,
  },
});
