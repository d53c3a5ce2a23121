import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Local HTTP servers only.
    testTimeout: 30_000,
  },
});
