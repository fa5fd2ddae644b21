import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/unit/**/*.test.ts', 'test/fixtures/**/*.test.ts'],
    restoreMocks: true,
    unstubEnvs: true,
  },
});
