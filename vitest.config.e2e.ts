import { defineConfig } from 'vitest/config';

// End-to-end tests drive a real BuildKit engine: one file at a time, generous timeouts, and a
// global setup that starts the engine, the fixture server and builds the frontend image once.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.itg.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 900_000,
    restoreMocks: true,
  },
});
