import { defineConfig } from 'vitest/config';

// Integration tests drive real Docker containers, PostgreSQL and Redis: generous timeouts, and files
// run one at a time so two tests never fight over the same engine.
export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    reporters: ['default'],
  },
});
